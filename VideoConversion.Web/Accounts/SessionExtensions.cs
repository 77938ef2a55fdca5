using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace VideoConversion.Web.Accounts;

public static class SessionExtensions
{
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";

    /// <summary>
    /// The page's session: a cookie (HttpOnly, SameSite=Lax, Secure where the page is served over
    /// HTTPS) holding the person's API token, encrypted with the page's Data Protection keys.
    /// Pages that need a person send anyone else to the sign-in form.
    /// </summary>
    public static IServiceCollection AddPageSessions(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "videoconversion.session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = SignInPath;
                // The session ends with the API token inside it (set at sign-in), not later.
                cookie.SlidingExpiration = false;
            });
        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<ApiCredentials>();
        return services;
    }

    /// <summary>POST /signout (with the form's antiforgery token): ends the session and shows the sign-in form.</summary>
    public static IEndpointRouteBuilder MapSignOut(this IEndpointRouteBuilder app)
    {
        app.MapPost(SignOutPath, async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.LocalRedirect(SignInPath);
        })
        // Another site must not be able to sign a person out: the form's token is checked.
        .WithMetadata(new RequireAntiforgeryTokenAttribute());
        return app;
    }
}
