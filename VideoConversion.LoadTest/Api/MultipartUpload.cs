using System.Diagnostics;
using System.Net;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// A file sent in parts as the API's multipart upload asks: part URLs asked for in batches just before use, several parts
/// PUT at once straight to storage (each streamed from disk), a part that fails sent again with exponential backoff, then
/// POST /uploads/{job_id}/complete with every part's ETag. Every byte handed to storage's connections is counted, failed
/// attempts included, so a run can set what it sent against the file's size.
/// </summary>
/// <param name="partsInFlight">Parts being sent at once, each on its own connection.</param>
public sealed class MultipartUpload(VideoConversionClient client, HttpClient storage, int partsInFlight)
{
    public const int DefaultPartsInFlight = 4;

    /// <summary>Attempts per part, the first included: with the backoff below, about 15 s of retrying before the upload fails.</summary>
    public const int MaxAttempts = 6;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(8);

    /// <param name="Retries">Part PUTs sent again after a failed attempt.</param>
    /// <param name="SendingParts">From the first part's URL request until storage held the last part.</param>
    /// <param name="Completing">POST /uploads/{job_id}/complete, in which storage assembles the file.</param>
    /// <param name="CompleteStatus">What the completion answered (202: the upload is the job's).</param>
    public sealed record Outcome(int Parts, int Retries, TimeSpan SendingParts, TimeSpan Completing, int CompleteStatus);

    /// <param name="partSize">Each part's size but the last's, as the API cut the upload.</param>
    /// <param name="partCount">As the API counted them for the declared size.</param>
    /// <param name="sent">Where the part bytes handed to storage's connections are counted.</param>
    public async Task<Outcome> UploadAsync(string jobId, long partSize, int partCount, string path, ByteCounter sent, CancellationToken cancellationToken)
    {
        var fileBytes = new FileInfo(path).Length;
        if (partSize <= 0 || partCount != (fileBytes + partSize - 1) / partSize)
        {
            throw new LoadTestException($"Job {jobId}: {partCount} parts of {partSize} bytes do not make {path}'s {fileBytes} bytes.");
        }

        var etags = new string[partCount];
        var retries = 0;
        var started = Stopwatch.GetTimestamp();
        using (var urls = new PartUrlCache(client, jobId, partCount))
        {
            // Parts are taken in order, so URLs asked for in a batch are used one after the other.
            await Parallel.ForEachAsync(Enumerable.Range(1, partCount),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, partsInFlight), CancellationToken = cancellationToken },
                async (number, token) =>
                {
                    var offset = (number - 1) * partSize;
                    var (etag, attempts) = await PutPartAsync(urls, number, path, offset, Math.Min(partSize, fileBytes - offset), sent, token);
                    etags[number - 1] = etag;
                    Interlocked.Add(ref retries, attempts - 1);
                });
        }

        var sendingParts = Stopwatch.GetElapsedTime(started);
        var completing = Stopwatch.GetTimestamp();
        var status = await client.CompleteUploadAsync(jobId, etags, cancellationToken);
        return new Outcome(partCount, retries, sendingParts, Stopwatch.GetElapsedTime(completing), status);
    }

    /// <returns>The part's ETag as storage answered it, and the attempts it took.</returns>
    private async Task<(string ETag, int Attempts)> PutPartAsync(
        PartUrlCache urls, int number, string path, long offset, long length, ByteCounter sent, CancellationToken cancellationToken)
    {
        var askAgain = false;
        for (var attempt = 1; ; attempt++)
        {
            string failure;
            try
            {
                var url = await urls.UrlForAsync(number, askAgain, cancellationToken);
                using var content = new FileSliceContent(path, offset, length, sent);
                using var response = await storage.PutAsync(url, content, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return (response.Headers.ETag?.Tag.Trim('"')
                        ?? throw new LoadTestException($"Storage took part {number} but answered no ETag, which completing the upload needs."), attempt);
                }

                // 403: the URL's signature no longer holds (it expired while the part waited for its retry): a new one is asked for.
                askAgain = response.StatusCode == HttpStatusCode.Forbidden;
                if (!askAgain && !IsTransient(response.StatusCode))
                {
                    throw new LoadTestException($"PUT of part {number} to storage answered {(int)response.StatusCode} {response.ReasonPhrase}.");
                }

                failure = $"answered {(int)response.StatusCode} {response.ReasonPhrase}";
            }
            catch (Exception problem) when (problem is HttpRequestException or IOException ||
                                            (problem is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // A broken connection, or silence past the client's timeout: the part goes again, on another connection.
                failure = problem.Message;
            }

            if (attempt == MaxAttempts)
            {
                throw new LoadTestException($"Part {number} of the upload failed {MaxAttempts} times; the last time: {failure}");
            }

            await Task.Delay(Backoff(attempt), cancellationToken);
        }
    }

    /// <summary>0.5 s after the first failure, doubling up to 8 s: a storage server that is restarting gets time to come back.</summary>
    private static TimeSpan Backoff(int failedAttempts) =>
        TimeSpan.FromMilliseconds(Math.Min(LongestBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * Math.Pow(2, failedAttempts - 1)));

    /// <summary>What storage may answer differently a moment later: its own failures, a timeout, too many requests.</summary>
    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
}
