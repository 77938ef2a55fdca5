using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>Waits for a settled system between measurements: no job waiting in video_jobs, and the last ones in hand done.</summary>
public static class QueueSettling
{
    /// <summary>
    /// Until the API's /metrics says no job waits (at most 5 minutes), and a moment for the last ones in hand. With several
    /// API replicas behind one address, only the one holding the queue-depth duty reports the queue: a reading without
    /// it is asked again, for up to 30 s (an API that never reports the queue is not waited on for 5 minutes each time).
    /// </summary>
    public static async Task WaitAsync(VideoConversionClient client, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        var lastReading = DateTimeOffset.UtcNow;
        while (client.ReadsQueue && DateTimeOffset.UtcNow < deadline && DateTimeOffset.UtcNow - lastReading < TimeSpan.FromSeconds(30))
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

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
    }
}
