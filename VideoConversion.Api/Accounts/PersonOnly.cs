using Microsoft.AspNetCore.Authorization;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// Calls that manage credentials take a signed-in person, never an API key: a leaked key must not
/// be able to mint another key, revoke its owner's, or change the account, or revoking it would cut
/// nothing off.
/// </summary>
public static class PersonOnly
{
    public const string Policy = "person-only";

    public static AuthorizationBuilder AddPersonOnlyPolicy(this AuthorizationBuilder authorization) =>
        authorization.AddPolicy(Policy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => !context.User.HasClaim(claim => claim.Type == CallerClaims.ApiKeyId)));
}
