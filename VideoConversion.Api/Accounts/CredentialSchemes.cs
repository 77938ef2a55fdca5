namespace VideoConversion.Api.Accounts;

/// <summary>
/// The API takes one header, "Authorization: Bearer …", with either of two credentials: an API key
/// (programs) or the token a sign-in at /auth/login returns (the page, on behalf of a person).
/// </summary>
public static class CredentialSchemes
{
    /// <summary>The default scheme: picks <see cref="ApiKey"/> or Identity's bearer token by the token's shape.</summary>
    public const string Credentials = "Credentials";

    public const string ApiKey = "ApiKey";

    /// <summary>HttpContext.Items key: why the presented credential was refused, for the 401's detail.</summary>
    public const string RefusalItem = "videoconversion.credential_refusal";
}
