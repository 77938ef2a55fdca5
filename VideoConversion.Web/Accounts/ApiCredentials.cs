using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace VideoConversion.Web.Accounts;

/// <summary>
/// The signed-in person's credential for the API: the token the API gave at sign-in, kept as a claim
/// of the page's session cookie (encrypted with the page's Data Protection keys, never readable by the
/// browser). Read through the authentication state, so it works in interactive circuits, where there
/// is no HttpContext.
/// </summary>
public sealed class ApiCredentials(AuthenticationStateProvider authentication)
{
    public const string TokenClaim = "videoconversion:api_token";

    /// <summary>The API token of the person using the page, or null when nobody is signed in.</summary>
    public async Task<string?> TokenAsync()
    {
        var state = await authentication.GetAuthenticationStateAsync();
        return state.User.FindFirstValue(TokenClaim);
    }
}
