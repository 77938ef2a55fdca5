using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace VideoConversion.Web.Accounts;

/// <summary>Signs a person in with the API's accounts (POST /auth/login) and holds the session in the page's cookie.</summary>
public sealed class SignInClient(HttpClient http)
{
    /// <returns>Null when signed in; otherwise what to tell the person.</returns>
    public async Task<string?> SignInAsync(HttpContext context, string userName, string password, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync("/auth/login", new { email = userName, password }, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return "The conversion service cannot be reached right now. Please try again in a moment.";
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                return "The user name or password is not right.";
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var wait = response.Headers.RetryAfter?.Delta is { } delta
                    ? string.Create(CultureInfo.InvariantCulture, $" in {Math.Ceiling(delta.TotalSeconds)} seconds")
                    : " in a minute";
                return $"Too many sign-in attempts for this account. Try again{wait}.";
            }

            if (!response.IsSuccessStatusCode)
            {
                return $"Signing in failed ({(int)response.StatusCode}). Please try again in a moment.";
            }

            var token = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            // The API writes its JSON in snake_case; the names are read either way.
            var accessToken = Property(token, "access_token", "accessToken")?.GetString();
            var expiresIn = Property(token, "expires_in", "expiresIn")?.GetInt64() ?? 0;
            if (string.IsNullOrEmpty(accessToken) || expiresIn <= 0)
            {
                return "The conversion service sent an answer the page cannot read.";
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, userName), new Claim(ApiCredentials.TokenClaim, accessToken)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            // The session ends when the API's token does.
            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity),
                new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddSeconds(expiresIn), IsPersistent = true });
            return null;
        }
    }

    private static JsonElement? Property(JsonElement element, params string[] names)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var name in names)
        {
            if (element.TryGetProperty(name, out var value))
            {
                return value;
            }
        }

        return null;
    }
}
