using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// How the system's workers took their jobs in a run, from the consumers of video_jobs the broker counted while they were
/// idle: one slot each (one job at a time), or two (the next job taken, and its input downloaded, while one converts).
/// Which one a worker runs depends on the broker it meets (Conversion:PrefetchNextJob), so the report says which it met.
/// </summary>
public static class WorkerSlots
{
    /// <summary>The report's sentence for <paramref name="consumers"/> consumers of <paramref name="workers"/> idle workers; null consumers: not read.</summary>
    public static string Sentence(double? consumers, int workers)
    {
        if (consumers is not { } counted)
        {
            return "How many jobs each worker held at once was not read (no management address given, or no consumers of `video_jobs` on the API's /metrics).";
        }

        var counts = $"{Number(counted, "F0")} consumers of `video_jobs` for {workers} workers, as the broker counted them before the throughput runs";
        if (counted == workers)
        {
            return $"Each worker took one job at a time ({counts}): its next job only once the last one's output was stored. " +
                   "A worker takes its next job while one converts by default only with RabbitMQ 4.3 or later (the manifests' broker), " +
                   "which does not count a job handed back unstarted towards the queue's delivery limit; with an older one, or " +
                   "`Conversion:PrefetchNextJob=false`, it is off: in the throughput below no worker downloads or uploads while its own FFmpeg runs.";
        }

        if (counted == 2 * workers)
        {
            return $"In a backlog each worker took its next job, and downloaded its input, while one converted ({counts}: two slots each).";
        }

        return $"The workers held jobs through {counts} (neither one slot each nor two: a worker missing, or attaching).";
    }
}
