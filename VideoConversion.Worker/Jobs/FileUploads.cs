using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Stores files in the output bucket streamed from disk, so a worker's memory is the same whatever the size of what it
/// stores: one signed PUT up to the part size (<see cref="DefaultPartBytes"/>), above it a multipart upload of parts that size, a few at once,
/// each read from its slice of the file. (The Minio SDK's PutObject reads every 5 MiB part into a fresh array: a 1 GB
/// output grew a worker by some 200 MiB.) Either way the object appears whole or not at all. A request that fails is
/// sent again (<see cref="Attempts"/> in all, backing off), which a body read afresh from its file allows; only then
/// does the upload, and with it the job's attempt, fail.
/// </summary>
/// <param name="partBytes">The largest file sent in one request, and the size of every part but the last of a larger one
/// (S3 takes parts of 5 MiB and more, and 10,000 of them: 64 MiB parts hold outputs up to 625 GiB).</param>
public sealed class FileUploads(MultipartUploads uploads, long partBytes = FileUploads.DefaultPartBytes)
{
    public const long DefaultPartBytes = 64L * 1024 * 1024;

    /// <summary>Parts in flight at once: enough to hide each one's round trip.</summary>
    private const int ParallelParts = 4;

    /// <summary>S3's most parts in one upload: a file too large for them at <c>partBytes</c> is sent in larger parts.</summary>
    private const int MaxParts = 10_000;

    /// <summary>S3's smallest part but the last.</summary>
    private const long MinPartBytes = 5L * 1024 * 1024;

    /// <summary>Each request's tries: a short outage or a cut connection costs a request, not the conversion.</summary>
    public const int Attempts = 3;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long giving up an unfinished upload may take: short, for it may run as the worker stops, within the time its
    /// host allows for handing the job back.
    /// </summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(5);

    private readonly long _partBytes = partBytes >= MinPartBytes
        ? partBytes
        : throw new ArgumentOutOfRangeException(nameof(partBytes), partBytes, "S3 takes parts of 5 MiB and more.");

    /// <summary>Stores a small object made in memory (a manifest) in one PUT.</summary>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task UploadAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        await WithRetriesAsync(async () =>
        {
            using var body = new ByteArrayContent(content);
            body.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return await uploads.PutObjectAsync(key, body, cancellationToken);
        }, cancellationToken);
    }

    /// <param name="metadata">The object's <c>x-amz-meta-*</c> headers.</param>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task UploadAsync(
        string key, string path, string contentType, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var size = new FileInfo(path).Length;
        if (size <= _partBytes)
        {
            await WithRetriesAsync(async () =>
            {
                using var content = new FileSliceContent(path, 0, size);
                content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                return await uploads.PutObjectAsync(key, content, cancellationToken, metadata);
            }, cancellationToken);
            return;
        }

        var partSize = Math.Max(_partBytes, (size + MaxParts - 1) / MaxParts);

        var uploadId = await uploads.CreateAsync(key, contentType, cancellationToken, metadata);
        try
        {
            var count = (int)((size + partSize - 1) / partSize);
            var parts = new StoredPart[count];
            await Parallel.ForEachAsync(Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = ParallelParts, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var offset = index * partSize;
                    parts[index] = await WithRetriesAsync(async () =>
                    {
                        using var content = new FileSliceContent(path, offset, Math.Min(partSize, size - offset));
                        return await uploads.PutPartAsync(key, uploadId, index + 1, content, token);
                    }, token);
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

    /// <summary>Sends a request again when storage failed it, backing off; what the request is about (its cancellation) ends the tries.</summary>
    private static async Task<T> WithRetriesAsync<T>(Func<Task<T>> send, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send();
            }
            catch (StorageUnavailableException) when (attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(FirstBackoff * (1 << (attempt - 1)), cancellationToken);
            }
        }
    }
}
