using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Playback;

/// <summary>
/// Playback links carry their own permission: "/playback/{job id}/{token}/…", where the token is its expiry and an
/// HMAC of the job id and that expiry. A player (hls.js, Safari, a TV) can fetch playlists with no credentials of the
/// job's owner, and only for that job until then. The key is derived from the API's storage secret, so every API
/// replica signs alike and nothing new must be configured; rotating the storage key ends every link.
/// </summary>
public sealed class PlaybackTokens
{
    private const int SignatureBytes = 16;

    private readonly byte[] _key;
    private readonly TimeProvider _time;
    private readonly PlaybackOptions _options;

    public PlaybackTokens(StorageConnection storage, TimeProvider time, IOptions<PlaybackOptions> options)
    {
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(storage.SecretKey), 32,
            info: Encoding.UTF8.GetBytes("videoconversion playback links v1"));
        _time = time;
        _options = options.Value;
    }

    /// <summary>A token for <paramref name="jobId"/>'s playback links, good until <see cref="PlaybackOptions.LinkLifetime"/> from now.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(string jobId)
    {
        // Whole seconds, so that the expiry stated and the one signed are the same.
        var expires = DateTimeOffset.FromUnixTimeSeconds((_time.GetUtcNow() + _options.LinkLifetime).ToUnixTimeSeconds());
        return ($"{expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}-{Sign(jobId, expires.ToUnixTimeSeconds())}", expires);
    }

    /// <summary>Whether <paramref name="token"/> was issued for <paramref name="jobId"/> by this system and has not expired.</summary>
    public bool IsValid(string jobId, string token)
    {
        var dash = token.IndexOf('-', StringComparison.Ordinal);
        // The expiry as issued, digits only and no leading zero: one token, one spelling.
        if (dash <= 0 || !long.TryParse(token.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ||
            token[0] == '0' || expires < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(jobId, expires));
        var given = Encoding.ASCII.GetBytes(token[(dash + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private string Sign(string jobId, long expires) =>
        WebEncoders.Base64UrlEncode(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{jobId}\n{expires.ToString(CultureInfo.InvariantCulture)}"))[..SignatureBytes]);
}
