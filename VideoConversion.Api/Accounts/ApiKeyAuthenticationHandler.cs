using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// Authenticates "Authorization: Bearer vck_…" against the stored key hashes, and answers every
/// refusal of the API (no credentials, an unknown or revoked key, an expired sign-in, a forbidden
/// call) with a ProblemDetails that says which it was.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    JobsDbContext db,
    ApiKeyCache keys,
    TimeProvider time,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        if (ApiKeyToken.Parse(token) is not { } presented)
        {
            return Refuse("The API key is not one this service issued.");
        }

        var key = keys.Find(presented.Id) ?? await LoadAsync(presented.Id);
        if (key is { IsRevoked: true })
        {
            return Refuse("The API key was revoked. Create a new one on your account page.");
        }

        if (key is null || !ApiKeyToken.Matches(key.SecretHash, presented.SecretHash))
        {
            return Refuse("The API key is not one this service issued.");
        }

        if (key.UserId.Length == 0)
        {
            return Refuse("The API key's account no longer exists.");
        }

        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, key.UserId),
            new(ClaimTypes.Name, key.UserName),
            new(CallerClaims.ApiKeyId, presented.Id),
            .. key.Roles.Select(role => new Claim(ClaimTypes.Role, role)),
        ];
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name)), Scheme.Name));
    }

    /// <summary>The key, its account and roles from the database (three reads), kept for the next requests; null for no such key.</summary>
    private async Task<ApiKeyCache.Entry?> LoadAsync(string keyId)
    {
        var key = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == keyId, Context.RequestAborted);
        if (key is null)
        {
            return null; // unknown ids are not kept: they would fill the cache
        }

        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == key.UserId, Context.RequestAborted);
        var roles = user is null ? [] : await (from userRole in db.UserRoles
                                               join role in db.Roles on userRole.RoleId equals role.Id
                                               where userRole.UserId == user.Id
                                               select role.Name).ToListAsync(Context.RequestAborted);
        var entry = new ApiKeyCache.Entry(
            key.SecretHash, user?.Id ?? "", user?.UserName ?? user?.Id ?? "", [.. roles.OfType<string>()], key.IsRevoked, time.GetUtcNow());
        keys.Loaded(keyId, entry);
        return keys.Find(keyId) ?? entry;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var detail = Context.Items[CredentialSchemes.RefusalItem] as string ?? (BearerToken(Request) is null
            ? "Send 'Authorization: Bearer <API key>' (keys are made on the account page or with scripts/manage)."
            : "The sign-in has expired or is not valid. Sign in again.");
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Missing or invalid credentials", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Not allowed", Context.User.HasClaim(claim => claim.Type == CallerClaims.ApiKeyId)
            ? "An API key cannot manage accounts or keys, and only an administrator may create accounts; sign in as a person who may."
            : "Only an administrator may do this.");

    /// <summary>The token of an "Authorization: Bearer" header, or null when there is none.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private AuthenticateResult Refuse(string reason)
    {
        Context.Items[CredentialSchemes.RefusalItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
