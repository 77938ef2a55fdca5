using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Before a phase of submissions: waits until the API has recorded storage's event of each upload just made, read back as
/// the job's <c>uploaded_at</c> (GET /jobs/{id}), so the phase measures POST /jobs as its users meet it, an upload's event
/// long recorded by the time its client calls, and the call asks storage nothing. Without the wait, a phase started right
/// after a burst of thousands of uploads also measures the API recording their events, and its first calls ask storage
/// themselves. Reads each job through the API, so it works the same whatever the replicas and the ports.
/// </summary>
public static class UploadEventsRecorded
{
    /// <summary>
    /// The wait's bound: 1,000 events are recorded within a second on the 2-core machine (docs/BENCHMARKS.md), a pass's 2,000 in two, so this
    /// is reached only when events do not come at all (notifications off); the phase then starts anyway, and says so.
    /// </summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);

    /// <param name="Uploads">The phase's uploads.</param>
    /// <param name="NotRecorded">Of them, those whose event the API had not recorded when the wait ended (after <see cref="Longest"/>).</param>
    /// <param name="WaitedSeconds">
    /// From the last upload's answer until every event was seen recorded (or the wait gave up): an upper bound of the API's
    /// lag, since a pass of reads lies between an event's recording and its being seen.
    /// </param>
    public sealed record Wait(int Uploads, int NotRecorded, double WaitedSeconds);

    public static async Task<Wait> WaitAsync(HttpClient http, IReadOnlyCollection<string> jobIds, int concurrency, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var waiting = jobIds.ToList();
        while (waiting.Count > 0 && Stopwatch.GetElapsedTime(started) < Longest)
        {
            var unrecorded = new ConcurrentBag<string>();
            var toRead = new ConcurrentQueue<string>(waiting);
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (toRead.TryDequeue(out var jobId))
                {
                    if (!await IsRecordedAsync(http, jobId, cancellationToken))
                    {
                        unrecorded.Add(jobId);
                    }
                }
            }));

            waiting = [.. unrecorded];
            if (waiting.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
        }

        return new Wait(jobIds.Count, waiting.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// Whether the job's upload is recorded; a job that no longer awaits it (already moved on) counts as recorded. A read
    /// that failed (refused, timed out, rate-limited) is not an answer: the job is asked again on the next pass.
    /// </summary>
    private static async Task<bool> IsRecordedAsync(HttpClient http, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            var job = await response.Content.ReadFromJsonAsync<JobState>(cancellationToken);
            return job is not null && (job.UploadedAt is not null || job.Status != "AWAITING_UPLOAD");
        }
        catch (Exception exception) when (ApiBenchmark.IsFailedCall(exception, cancellationToken) || exception is JsonException)
        {
            return false;
        }
    }
}
