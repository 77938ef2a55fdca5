using System.Net;
using System.Net.Http.Headers;
using Minio;
using Minio.DataModel.Args;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Small objects read with their ETag and written only if they are still as read (If-Match) or
/// still absent (If-None-Match: *): optimistic concurrency on object storage, which S3 and MinIO
/// offer and the Minio SDK does not expose. Requests go to presigned URLs, signed locally.
/// </summary>
public sealed class ConditionalObjects(IMinioClient storage) : IDisposable
{
    private const int UrlLifetimeSeconds = 300;

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <returns>The content and its ETag, or null when there is no such object.</returns>
    public async Task<(byte[] Content, string ETag)?> ReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var url = await storage.PresignedGetObjectAsync(new PresignedGetObjectArgs().WithBucket(bucket).WithObject(key).WithExpiry(UrlLifetimeSeconds));
        using var response = await _http.GetAsync(url, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var etag = response.Headers.ETag?.Tag ?? throw new HttpRequestException("Storage answered without an ETag.");
        return (await response.Content.ReadAsByteArrayAsync(cancellationToken), etag);
    }

    /// <param name="expectedETag">The ETag read before, or null to create the object only if it does not exist.</param>
    /// <returns>False when someone else wrote it first: read again and decide again.</returns>
    public async Task<bool> TryWriteAsync(string bucket, string key, byte[] content, string? expectedETag, CancellationToken cancellationToken)
    {
        var url = await storage.PresignedPutObjectAsync(new PresignedPutObjectArgs().WithBucket(bucket).WithObject(key).WithExpiry(UrlLifetimeSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(content) };
        if (expectedETag is null)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
        }
        else
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue(expectedETag));
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return false;
        }

        response.EnsureSuccessStatusCode();
        return true;
    }

    public async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken) =>
        await storage.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(key), cancellationToken);

    public void Dispose() => _http.Dispose();
}
