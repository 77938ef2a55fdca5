using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Endpoint secrets: 32 random bytes as Standard Webhooks writes them ("whsec_" + base64), shown to their
/// owner once and kept protected with the API's Data Protection keys, so a copy of the database alone signs nothing.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    public const string Prefix = "whsec_";

    private readonly IDataProtector _protector = protection.CreateProtector("VideoConversion.Api.Webhooks.Secrets");

    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
