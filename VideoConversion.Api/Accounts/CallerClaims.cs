using System.Security.Claims;

namespace VideoConversion.Api.Accounts;

/// <summary>Who is calling, as the credential says: the account that owns what the call makes or reads.</summary>
public static class CallerClaims
{
    /// <summary>Present when the caller used an API key: which one.</summary>
    public const string ApiKeyId = "videoconversion:api_key";

    public static string AccountId(this ClaimsPrincipal caller) =>
        caller.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The caller is not authenticated.");

    public static bool IsAdministrator(this ClaimsPrincipal caller) => caller.IsInRole(Roles.Administrator);

    /// <summary>The API key the caller used; null for a signed-in person.</summary>
    public static string? CallingApiKeyId(this ClaimsPrincipal caller) => caller.FindFirstValue(ApiKeyId);
}
