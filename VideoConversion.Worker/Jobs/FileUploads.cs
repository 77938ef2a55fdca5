using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Stores files in the output bucket streamed from disk, so a worker's memory is the same whatever the size of what it
/// stores: one signed PUT up to the part size (<see cref="DefaultPartBytes"/>), above it a multipart upload of parts that size, a few at once,
/// each read from its slice of the file. (The Minio SDK's PutObject reads every 5 MiB part into a fresh array: a 1 GB
/// output grew a worker by some 200 MiB.) Either way the object appears whole or not at all.
/// </summary>
/// <param name="partBytes">The largest file sent in one request, and the size of every part but the last of a larger one
/// (S3 takes parts of 5 MiB and more, and 10,000 of them: 64 MiB parts hold outputs up to 625 GiB).</param>
public sealed class FileUploads(MultipartUploads uploads, long partBytes = FileUploads.DefaultPartBytes)
{
    public const long DefaultPartBytes = 64L * 1024 * 1024;

    /// <summary>Parts in flight at once: enough to hide each one's round trip.</summary>
    private const int ParallelParts = 4;

    /// <summary>How long giving up an unfinished upload may take.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Stores a small object made in memory (a manifest) in one PUT.</summary>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task UploadAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        using var body = new ByteArrayContent(content);
        body.Headers.TryAddWithoutValidation("Content-Type", contentType);
        await uploads.PutObjectAsync(key, body, cancellationToken);
    }

    /// <param name="metadata">The object's <c>x-amz-meta-*</c> headers.</param>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task UploadAsync(
        string key, string path, string contentType, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var size = new FileInfo(path).Length;
        if (size <= partBytes)
        {
            using var content = new FileSliceContent(path, 0, size);
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            await uploads.PutObjectAsync(key, content, cancellationToken, metadata);
            return;
        }

        var uploadId = await uploads.CreateAsync(key, contentType, cancellationToken, metadata);
        try
        {
            var count = (int)((size + partBytes - 1) / partBytes);
            var parts = new StoredPart[count];
            await Parallel.ForEachAsync(Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelParts, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var offset = index * partBytes;
                    using var content = new FileSliceContent(path, offset, Math.Min(partBytes, size - offset));
                    parts[index] = await uploads.PutPartAsync(key, uploadId, index + 1, content, token);
                });
            await uploads.CompleteAsync(key, uploadId, parts, cancellationToken);
        }
        catch
        {
            // Its parts take room in storage until the upload is aborted. The attempt's own failure is what is reported.
            using var timeout = new CancellationTokenSource(AbortTimeout);
            try
            {
                await uploads.AbortAsync(key, uploadId, timeout.Token);
            }
            catch (Exception exception) when (exception is StorageUnavailableException or OperationCanceledException or StorageRefusedException)
            {
                // Storage is failing already; the parts stay until an operator or a bucket lifecycle rule removes them.
            }

            throw;
        }
    }
}
