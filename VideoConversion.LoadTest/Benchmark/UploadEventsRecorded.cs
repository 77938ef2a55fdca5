using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Before a phase of submissions: waits until the API has recorded storage's event of each upload just made, read back as
/// the job's <c>uploaded_at</c> (GET /jobs/{id}), so the phase measures POST /jobs as its users meet it, an upload's event
/// long recorded by the time its client calls, and the call asks storage nothing. Without the wait, a phase started right
/// after a burst of 1,000 uploads also measures the API recording their events, and its first calls ask storage
/// themselves. Reads each job through the API, so it works the same whatever the replicas and the ports.
/// </summary>
public static class UploadEventsRecorded
{
    /// <summary>Long enough for a backlog of events at the slowest rate seen here; a phase starts anyway after it.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromSeconds(60);

    /// <param name="Uploads">The phase's uploads.</param>
    /// <param name="NotRecorded">Of them, those whose event the API had not recorded when the wait ended (after <see cref="Longest"/>).</param>
    /// <param name="WaitedSeconds">From the last upload's answer until every event was recorded (or the wait gave up).</param>
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

    /// <summary>Whether the job's upload is recorded; a job that no longer awaits it (already moved on) counts as recorded.</summary>
    private static async Task<bool> IsRecordedAsync(HttpClient http, string jobId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return false; // asked again on the next pass, until the wait gives up
        }

        var job = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return (job.TryGetProperty("uploaded_at", out var uploadedAt) && uploadedAt.ValueKind == JsonValueKind.String) ||
            job.GetProperty("status").GetString() != "AWAITING_UPLOAD";
    }
}
