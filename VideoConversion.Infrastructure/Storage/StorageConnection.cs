using System.Data.Common;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>
/// An S3-compatible endpoint and its credentials, from a connection string of the form
/// <c>Endpoint=http://host:9000;AccessKey=...;SecretKey=...</c>.
/// </summary>
public sealed record StorageConnection(Uri Endpoint, string AccessKey, string SecretKey)
{
    public static StorageConnection Parse(string connectionString, string name)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string Require(string key) =>
            parts.TryGetValue(key, out var value) && value is string text && text.Length > 0
                ? text
                : throw new InvalidOperationException($"Connection string '{name}' has no '{key}'.");

        if (!Uri.TryCreate(Require("Endpoint"), UriKind.Absolute, out var endpoint) ||
            (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"Connection string '{name}' has an Endpoint that is not an http(s) URL.");
        }

        return new StorageConnection(endpoint, Require("AccessKey"), Require("SecretKey"));
    }
}
