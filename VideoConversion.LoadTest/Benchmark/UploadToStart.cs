using System.Diagnostics;
using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// How soon a job starts once its upload lands, with a worker free: from the moment storage answers the PUT (the job
/// starts on its upload; no POST /jobs) until GET /jobs/{id} first shows it PROCESSING (or later), polled every 10 ms.
/// </summary>
public static class UploadToStart
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(5);

    /// <returns>Each job's time in milliseconds, one job at a time, each waited for to its outcome.</returns>
    public static async Task<IReadOnlyList<double>> MeasureAsync(
        VideoConversionClient client, string input, int jobs, CancellationToken cancellationToken)
    {
        List<double> times = [];
        for (var i = 0; i < jobs; i++)
        {
            var (jobId, url) = await client.RequestUploadAsync("upload-to-start.mp4", "video/mp4", new FileInfo(input).Length, cancellationToken);
            await client.UploadAsync(url, input, "video/mp4", cancellationToken);
            var landed = Stopwatch.GetTimestamp();
            JobState job;
            do
            {
                await Task.Delay(PollInterval, cancellationToken);
                job = await client.GetJobAsync(jobId, cancellationToken);
            }
            while (job.Status is "AWAITING_UPLOAD" or "PENDING" && Stopwatch.GetElapsedTime(landed) < JobTimeout);

            if (job.Status is "AWAITING_UPLOAD" or "PENDING")
            {
                throw new LoadTestException($"Job {jobId} did not start within {JobTimeout.TotalMinutes} minutes of its upload.");
            }

            times.Add(Stopwatch.GetElapsedTime(landed).TotalMilliseconds);
            // The next job finds the worker free again.
            while (!job.IsFinal && Stopwatch.GetElapsedTime(landed) < JobTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
                job = await client.GetJobAsync(jobId, cancellationToken);
            }

            if (job.Status != "DONE")
            {
                throw new LoadTestException($"Job {jobId} ended {job.Status} ({job.Error}); no numbers from a failing system.");
            }
        }

        return times;
    }
}
