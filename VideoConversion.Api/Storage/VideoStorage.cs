using Microsoft.Extensions.Options;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Storage;

/// <summary>The API's view of object storage: it signs URLs and checks uploads; it never moves video bytes.</summary>
public sealed class VideoStorage(IMinioClient client, StorageConnection connection, IOptions<UploadOptions> options, TimeProvider time)
{
    private readonly UploadOptions _options = options.Value;

    // Presigning is local computation, but it must be done for the host the client will call.
    private readonly IMinioClient _signer = options.Value.PublicEndpoint is { } publicEndpoint
        ? ObjectStorageExtensions.CreateClient(publicEndpoint, connection)
        : client;

    private readonly PresignedUrlSigner _urlSigner = new(connection, options.Value.PublicEndpoint ?? connection.Endpoint, time);

    /// <param name="sizeBytes">When given, the URL is signed for exactly this Content-Length: storage refuses any other.</param>
    public async Task<PresignedUrl> PresignUploadAsync(string key, DateTimeOffset now, long? sizeBytes)
    {
        var lifetime = _options.UploadUrlLifetime;
        var url = sizeBytes is { } size
            ? _urlSigner.PresignPut(StorageNames.InputBucket, key, size, lifetime)
            : await _signer.PresignedPutObjectAsync(new PresignedPutObjectArgs()
                .WithBucket(StorageNames.InputBucket)
                .WithObject(key)
                .WithExpiry((int)lifetime.TotalSeconds));
        return new PresignedUrl(url, now + lifetime);
    }

    /// <summary>How long the download URLs this API signs stay valid.</summary>
    public TimeSpan DownloadUrlLifetime => _options.DownloadUrlLifetime;

    public Task<string> PresignDownloadAsync(string bucket, string key) =>
        _signer.PresignedGetObjectAsync(new PresignedGetObjectArgs()
            .WithBucket(bucket)
            .WithObject(key)
            .WithExpiry((int)_options.DownloadUrlLifetime.TotalSeconds));

    /// <summary>
    /// A GET URL for one of a job's playback files (a segment, a sprite sheet), signed locally (SigV4, no request made):
    /// a playlist of an hour's video signs hundreds of them on every fetch.
    /// </summary>
    public string PresignPlayback(string outputKey, TimeSpan lifetime) =>
        _urlSigner.Presign(HttpMethod.Get, StorageNames.OutputBucket, outputKey, lifetime);

    /// <summary>The size and ETag of an uploaded input, or null when nothing has been uploaded under that key.</summary>
    public async Task<StoredUpload?> GetUploadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var stat = await client.StatObjectAsync(
                new StatObjectArgs().WithBucket(StorageNames.InputBucket).WithObject(key), cancellationToken);
            return new StoredUpload(stat.Size, stat.ETag.Trim('"'));
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

    /// <summary>
    /// The stored output of a job and how it was made, or null when there is none. A worker stores
    /// an output only after it passed the output check, in one PUT, with its method as metadata.
    /// </summary>
    public async Task<StoredOutput?> GetCheckedOutputAsync(string jobId, CancellationToken cancellationToken) =>
        await StoredOutputs.FindAsync(client, jobId, cancellationToken) is { Bytes: > 0, Method: not null } output ? output : null;

    /// <summary>
    /// What a job with outputs beyond the MP4 stored, by its manifest (written after every other file of it), or null
    /// when it is not all stored: an MP4 alone does not say that its stream, poster and storyboard are there too.
    /// </summary>
    public async Task<OutputManifest?> GetOutputManifestAsync(string jobId, int run, CancellationToken cancellationToken)
    {
        try
        {
            return await OutputManifest.FindAsync(client, jobId, run, cancellationToken);
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            throw new StorageUnavailableException(exception);
        }
    }

    /// <summary>Removes an input that may not be kept (over the size limit, or not the size declared).</summary>
    public Task DeleteInputAsync(string key, CancellationToken cancellationToken) =>
        DeleteAsync(StorageNames.InputBucket, key, cancellationToken);

    /// <summary>
    /// Removes a job's outputs (the MP4, and every HLS, poster and storyboard file under its prefix)
    /// and its workers' attempt ledger (retention); removing what is gone already is no error.
    /// </summary>
    public async Task DeleteOutputAsync(string jobId, CancellationToken cancellationToken)
    {
        await DeleteOutputFilesAsync(jobId, cancellationToken);
        await DeleteAsync(StorageNames.OutputBucket, StorageNames.OutputKey(jobId), cancellationToken);
        await DeleteAsync(StorageNames.OutputBucket, StorageNames.AttemptLedgerKey(jobId), cancellationToken);
    }

    /// <summary>
    /// Everything under the job's prefix, a few at a time (one DELETE each: a batch delete needs more than the API's
    /// right to delete outputs on some servers). The manifest goes first, so a half-done removal never looks complete.
    /// </summary>
    private async Task DeleteOutputFilesAsync(string jobId, CancellationToken cancellationToken)
    {
        List<string> keys = [];
        try
        {
            await foreach (var item in client.ListObjectsEnumAsync(new ListObjectsArgs()
                               .WithBucket(StorageNames.OutputBucket).WithPrefix(StorageNames.OutputFilesPrefix(jobId)).WithRecursive(true), cancellationToken))
            {
                keys.Add(item.Key);
            }
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            throw new StorageUnavailableException(exception);
        }

        var manifest = StorageNames.OutputFileKey(jobId, StorageNames.OutputManifestFile);
        await DeleteAsync(StorageNames.OutputBucket, manifest, cancellationToken);
        await Parallel.ForEachAsync(keys.Where(key => key != manifest), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (key, token) => await DeleteAsync(StorageNames.OutputBucket, key, token));
    }

    /// <summary>Removes everything storage holds of a deleted job: its input, its output, and every run's attempt ledger.</summary>
    public async Task DeleteJobFilesAsync(string jobId, string inputKey, int runs, CancellationToken cancellationToken)
    {
        await DeleteInputAsync(inputKey, cancellationToken);
        await DeleteOutputAsync(jobId, cancellationToken);
        for (var run = 1; run <= runs; run++)
        {
            await DeleteAsync(StorageNames.OutputBucket, StorageNames.AttemptLedgerKey(StorageNames.AttemptLedgerEntry(jobId, run)), cancellationToken);
        }
    }

    private async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            await client.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject(key), cancellationToken);
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            throw new StorageUnavailableException(exception);
        }
    }
}

public sealed record PresignedUrl(string Url, DateTimeOffset ExpiresAt);

/// <param name="ETag">Without quotes; the worker downloads with If-Match on it, so a replaced upload is never converted.</param>
public sealed record StoredUpload(long Size, string ETag);
