using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>Waits for a settled system between measurements: no job waiting in video_jobs, and the last ones in hand done.</summary>
public static class QueueSettling
{
    /// <summary>
    /// The longest wait: a round of the API's with the workers running leaves them two passes' jobs (twice
    /// <see cref="ApiBenchmark.DefaultMaxJobs"/>) to reject, at
    /// about 0.16 CPU-s of ffprobe each on a slow day of the 2-core machine: over 5 minutes. The wait ends as soon as the
    /// queue is empty, so the bound costs nothing when the workers keep up.
    /// </summary>
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Until the API's /metrics says no job waits (at most <see cref="Longest"/>, said on standard error when reached: what
    /// follows meets those jobs), and a moment for the last ones in hand. With several API replicas behind one address,
    /// only the one holding the queue-depth duty reports the queue: a reading without it is asked again, for up to 30 s (an
    /// API that never reports the queue is not waited on for the longest wait each time).
    /// </summary>
    public static async Task WaitAsync(VideoConversionClient client, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + Longest;
        var lastReading = DateTimeOffset.UtcNow;
        while (client.ReadsQueue && DateTimeOffset.UtcNow - lastReading < TimeSpan.FromSeconds(30))
        {
            var waiting = (await client.ReadQueueAsync(cancellationToken)).Waiting;
            if (waiting == 0)
            {
                break;
            }

            if (waiting is not null)
            {
                lastReading = DateTimeOffset.UtcNow;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                await Console.Error.WriteLineAsync(
                    $"video_jobs still held {waiting?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "an unknown number of"} jobs after {Longest.TotalMinutes:F0} minutes of waiting for it to empty: what follows meets them.");
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
    }
}
