namespace VideoConversion.LoadTest.Api;

/// <summary>
/// A multipart upload's part URLs, asked for in batches just before they are used (as the API asks: a URL signed long before
/// its PUT may have expired by then), and again for a part whose URL is about to expire or was refused. Parts are sent
/// roughly in order, so a batch starts at the part that needs it and covers the next ones.
/// </summary>
internal sealed class PartUrlCache(VideoConversionClient client, string jobId, int partCount) : IDisposable
{
    /// <summary>Parts signed per request: enough to keep the parts in flight fed, few enough that each is sent soon after.</summary>
    public const int BatchSize = 8;

    /// <summary>A URL this close to its expiry is asked for again rather than used: a part's PUT must begin before it expires.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(1);

    private readonly Dictionary<int, (Uri Url, DateTimeOffset ExpiresAt)> _urls = [];

    /// <summary>One request for URLs at a time: the parts waiting meanwhile mostly need the same batch.</summary>
    private readonly SemaphoreSlim _asking = new(1, 1);

    /// <param name="again">Ask for a new URL even if one is held (storage refused the last one).</param>
    public async Task<Uri> UrlForAsync(int partNumber, bool again, CancellationToken cancellationToken)
    {
        await _asking.WaitAsync(cancellationToken);
        try
        {
            if (!again && _urls.TryGetValue(partNumber, out var held) && held.ExpiresAt - DateTimeOffset.UtcNow > ExpiryMargin)
            {
                return held.Url;
            }

            var numbers = Enumerable.Range(partNumber, Math.Min(BatchSize, partCount - partNumber + 1)).ToList();
            var batch = await client.SignPartsAsync(jobId, numbers, cancellationToken);
            foreach (var part in batch.Parts)
            {
                _urls[part.PartNumber] = (new Uri(part.Url), batch.ExpiresAt);
            }

            // Used even when the batch is close to expiry by this machine's clock: a clock ahead of the API's must not make every part ask again.
            return _urls.TryGetValue(partNumber, out var signed)
                ? signed.Url
                : throw new LoadTestException($"POST /uploads/{jobId}/parts gave no URL for part {partNumber}.");
        }
        finally
        {
            _asking.Release();
        }
    }

    public void Dispose() => _asking.Dispose();
}
