using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Reports;

/// <summary>The numbers a run is judged by: success rate, throughput, percentiles of each job time, and the uploads' rate.</summary>
public sealed record RunSummary(
    int Jobs,
    int Succeeded,
    int Failed,
    int Retried,
    double SuccessRate,
    double WallSeconds,
    double JobsPerMinute,
    Distribution EndToEnd,
    Distribution Upload,
    Distribution QueueWait,
    Distribution Processing,
    UploadSummary Uploads)
{
    /// <summary>Each measured time with its name, in the order reports show them (the JSON has them by name already).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<(string Name, Distribution Distribution)> Times =>
        [("end to end (client)", EndToEnd), ("upload", Upload), ("queue wait", QueueWait), ("processing", Processing)];

    public static RunSummary Of(RunResult run)
    {
        var jobs = run.Jobs;
        var succeeded = jobs.Count(job => job.Succeeded);
        var done = jobs.Where(job => job.Succeeded).ToList();
        return new RunSummary(
            jobs.Count,
            succeeded,
            jobs.Count - succeeded,
            jobs.Count(job => job.Attempts > 1),
            jobs.Count == 0 ? 0 : (double)succeeded / jobs.Count,
            run.WallSeconds,
            run.WallSeconds > 0 ? succeeded / run.WallSeconds * 60 : 0,
            Distribution.Of(done.Select(job => job.EndToEndSeconds)),
            Distribution.Of(done.Select(job => job.UploadSeconds)),
            Distribution.Of(done.Where(job => job.QueueWaitSeconds is not null).Select(job => job.QueueWaitSeconds!.Value)),
            Distribution.Of(done.Where(job => job.ProcessingSeconds is not null).Select(job => job.ProcessingSeconds!.Value)),
            UploadSummary.Of(jobs));
    }
}

/// <summary>Mean and p50/p95/p99 of a time, in seconds; null where there was nothing to measure.</summary>
public sealed record Distribution(double? Mean, double? P50, double? P95, double? P99, double? Max)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var list = values.ToList();
        return new Distribution(
            list.Count == 0 ? null : list.Average(),
            Percentiles.Of(list, 50), Percentiles.Of(list, 95), Percentiles.Of(list, 99),
            list.Count == 0 ? null : list.Max());
    }
}
