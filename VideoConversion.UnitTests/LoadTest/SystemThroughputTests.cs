using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.UnitTests.LoadTest;

/// <summary>
/// The system's throughput is timed as its per-job times are, by the API's own clock from the first job's submission to
/// the last one's outcome: the client's first upload before it and its polling after it are not the system's.
/// </summary>
public sealed class SystemThroughputTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Jobs_a_minute_run_from_the_first_submission_to_the_last_outcome_the_API_recorded()
    {
        // 4 jobs: the first submitted at 0 s, the last done at 48 s; the client saw it at 50 s after 2 s of uploading.
        var run = Run(wallSeconds: 52, Job(0, 25), Job(0.5, 24), Job(1, 47), Job(1.2, 48));

        Assert.Equal(5.0, SystemBenchmark.Throughput(run), precision: 6);
    }

    [Fact]
    public void The_clients_wall_time_counts_where_a_job_lacks_the_APIs_times()
    {
        var run = Run(wallSeconds: 60, Job(0, 25), Job(0.5, 24), Job(1, 47), Job(1.2, 48) with { CompletedAt = null });

        Assert.Equal(4.0, SystemBenchmark.Throughput(run), precision: 6);
    }

    private static JobResult Job(double submittedSecond, double completedSecond) => new(
        "job", "DONE", null, 1, "transcode", 0.5, null, null, completedSecond - submittedSecond, Start.AddSeconds(completedSecond + 1),
        "single", 1000, 1000, 1, Start.AddSeconds(submittedSecond), Start.AddSeconds(completedSecond));

    private static RunResult Run(double wallSeconds, params JobResult[] jobs) => new(
        "benchmark-throughput",
        new RunSettings(new ApiEndpoint(new Uri("http://127.0.0.1:5000"), null), jobs.Length, jobs.Length, ["input.avi"], TimeSpan.FromHours(1), "/tmp"),
        Start, wallSeconds, jobs, [], []);
}
