using System.Security.Cryptography;
using System.Text;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// The text a program sends as "Authorization: Bearer vck_{id}_{secret}". The prefix tells an API key
/// from a sign-in token and lets secret scanners recognise a leaked one; the id finds the stored hash
/// without a scan; the secret is 256 random bits.
/// </summary>
public static class ApiKeyToken
{
    public const string Prefix = "vck_";
    private const int IdBytes = 8;
    private const int SecretBytes = 32;

    /// <summary>A new key: its id, the text given to its owner once, and the hash that is stored.</summary>
    public static (string Id, string Token, byte[] SecretHash) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, $"{Prefix}{id}_{secret}", Hash(secret));
    }

    public static bool LooksLikeKey(string token) => token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The id and the hash of the secret, or null when the text is not shaped like a key.</summary>
    public static (string Id, byte[] SecretHash)? Parse(string token)
    {
        if (!LooksLikeKey(token))
        {
            return null;
        }

        var rest = token[Prefix.Length..];
        var separator = rest.IndexOf('_', StringComparison.Ordinal);
        // 32 bytes are 43 base64url characters: anything else was never issued here.
        if (separator != IdBytes * 2 || rest.Length - separator - 1 != 43)
        {
            return null;
        }

        var id = rest[..separator];
        return id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') ? (id, Hash(rest[(separator + 1)..])) : null;
    }

    /// <summary>Constant-time: how much of a hash matched says nothing to a caller.</summary>
    public static bool Matches(byte[] stored, byte[] presented) => CryptographicOperations.FixedTimeEquals(stored, presented);

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
