using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>
/// Presigns requests with AWS Signature Version 4 in the query string. Uploads are signed with
/// Content-Length among the signed headers: storage then refuses a body of any other length (a
/// different length is a different signature), so an upload cannot be larger than the size the
/// client declared. The Minio SDK signs only the host header, which leaves the size open, and
/// presigns only GET and PUT.
/// </summary>
public sealed class PresignedUrlSigner(StorageConnection connection, Uri endpoint, TimeProvider time)
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private const string Region = "us-east-1";
    private const string Service = "s3";

    public string PresignPut(string bucket, string key, long contentLength, TimeSpan lifetime) =>
        Presign(HttpMethod.Put, bucket, key, lifetime, contentLength);

    /// <param name="key">Null for a request on the bucket itself (a listing, say).</param>
    /// <param name="contentLength">When given, the only body length storage accepts.</param>
    /// <param name="parameters">The request's own query parameters, signed with it: a multipart upload's "uploads",
    /// "uploadId" and "partNumber" (an empty value for a flag such as "uploads").</param>
    /// <param name="headers">Headers the request will carry and storage must see unchanged, signed with it: the
    /// <c>x-amz-meta-*</c> metadata of an object (S3 refuses <c>x-amz-*</c> headers left unsigned).</param>
    public string Presign(
        HttpMethod method, string bucket, string? key, TimeSpan lifetime, long? contentLength = null, IReadOnlyDictionary<string, string>? parameters = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var timestamp = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = $"{date}/{Region}/{Service}/aws4_request";
        var host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["host"] = host };
        if (contentLength is { } length)
        {
            signed["content-length"] = length.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            signed[MetadataName(name)] = CanonicalValue(value);
        }

        var signedHeaders = string.Join(';', signed.Keys);
        var canonicalHeaders = string.Concat(signed.Select(header => $"{header.Key}:{header.Value}\n"));

        var path = "/" + Encode(bucket) + (key is null ? "" : "/" + string.Join('/', key.Split('/').Select(Encode)));
        var query = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["X-Amz-Algorithm"] = Algorithm,
            ["X-Amz-Credential"] = $"{connection.AccessKey}/{scope}",
            ["X-Amz-Date"] = timestamp,
            ["X-Amz-Expires"] = ((long)lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ["X-Amz-SignedHeaders"] = signedHeaders,
        };
        foreach (var (name, value) in parameters ?? new Dictionary<string, string>())
        {
            query.Add(name, value);
        }

        var canonicalQuery = string.Join('&', query.Select(pair => $"{Encode(pair.Key)}={Encode(pair.Value)}"));
        var canonicalRequest = string.Join('\n',
            method.Method, path, canonicalQuery, canonicalHeaders, signedHeaders, "UNSIGNED-PAYLOAD");
        var stringToSign = string.Join('\n', Algorithm, timestamp, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key0 = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + connection.SecretKey), Encoding.UTF8.GetBytes(date));
        var signingKey = new[] { Region, Service, "aws4_request" }
            .Aggregate(key0, (current, part) => HMACSHA256.HashData(current, Encoding.UTF8.GetBytes(part)));
        var signature = Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

        return $"{endpoint.Scheme}://{host}{path}?{canonicalQuery}&X-Amz-Signature={signature}";
    }

    /// <summary>Only metadata may be signed this way: the host and the length are the signer's own.</summary>
    private static string MetadataName(string name) =>
        name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? name.ToLowerInvariant()
            : throw new ArgumentException($"'{name}' is not an x-amz-meta-* header.", nameof(name));

    /// <summary>SigV4's canonical value: trimmed, runs of spaces as one; printable ASCII only, as HTTP sends it unencoded.</summary>
    private static string CanonicalValue(string value) =>
        value.All(c => c is >= ' ' and <= '~')
            ? string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            : throw new ArgumentException("A signed header's value must be printable ASCII.", nameof(value));

    /// <summary>RFC 3986 percent-encoding, as SigV4 wants it: unreserved characters stay, everything else is %XX.</summary>
    private static string Encode(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return builder.ToString();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
