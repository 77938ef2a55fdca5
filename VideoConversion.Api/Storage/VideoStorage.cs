using Microsoft.Extensions.Options;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Storage;

/// <summary>The API's view of object storage: it signs URLs and checks uploads; it never moves video bytes.</summary>
public sealed class VideoStorage(IMinioClient client, StorageConnection connection, IOptions<UploadOptions> options)
{
    private readonly UploadOptions _options = options.Value;

    // Presigning is local computation, but it must be done for the host the client will call.
    private readonly IMinioClient _signer = options.Value.PublicEndpoint is { } publicEndpoint
        ? ObjectStorageExtensions.CreateClient(publicEndpoint, connection)
        : client;

    public async Task<PresignedUrl> PresignUploadAsync(string key, DateTimeOffset now)
    {
        var lifetime = _options.UploadUrlLifetime;
        var url = await _signer.PresignedPutObjectAsync(new PresignedPutObjectArgs()
            .WithBucket(StorageNames.InputBucket)
            .WithObject(key)
            .WithExpiry((int)lifetime.TotalSeconds));
        return new PresignedUrl(url, now + lifetime);
    }

    public Task<string> PresignDownloadAsync(string bucket, string key) =>
        _signer.PresignedGetObjectAsync(new PresignedGetObjectArgs()
            .WithBucket(bucket)
            .WithObject(key)
            .WithExpiry((int)_options.DownloadUrlLifetime.TotalSeconds));

    /// <summary>The size of an uploaded input, or null when nothing has been uploaded under that key.</summary>
    public async Task<long?> GetUploadedSizeAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stat = await client.StatObjectAsync(
                new StatObjectArgs().WithBucket(StorageNames.InputBucket).WithObject(key), cancellationToken);
            return stat.Size;
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            throw new StorageUnavailableException(exception);
        }
    }

    public async Task EnsureBucketsAsync(CancellationToken cancellationToken)
    {
        foreach (var bucket in new[] { StorageNames.InputBucket, StorageNames.OutputBucket })
        {
            if (!await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), cancellationToken))
            {
                await client.MakeBucketAsync(new MakeBucketArgs().WithBucket(bucket), cancellationToken);
            }
        }
    }
}

public sealed record PresignedUrl(string Url, DateTimeOffset ExpiresAt);

/// <summary>Object storage did not answer; the client may retry (HTTP 503).</summary>
public sealed class StorageUnavailableException(Exception inner)
    : Exception("Object storage is not reachable right now.", inner);
