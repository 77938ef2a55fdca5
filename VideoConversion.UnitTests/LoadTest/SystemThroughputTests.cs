using VideoConversion.LoadTest;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.UnitTests.LoadTest;

/// <summary>
/// The system's throughput is timed as its per-job times are, by the jobs' own times from the first submission to the
/// last outcome: the client's first upload before it and its polling after it are not the system's.
/// </summary>
public sealed class SystemThroughputTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Jobs_a_minute_run_from_the_earliest_submission_to_the_latest_outcome_whichever_jobs_they_are()
    {
        // 4 jobs, listed in no order of theirs: the earliest submission (0 s) and the latest outcome (48 s) are neither
        // first nor last. 4 jobs in 48 s: 5 a minute. The client's 48.6 s would give 4.94; the first and last listed,
        // 0.5 s to 47 s, 5.16.
        var run = Run(wallSeconds: 48.6, Job(0.5, 24), Job(0, 48), Job(1.2, 25), Job(1, 47));

        Assert.Equal(5.0, SystemBenchmark.Throughput(run), precision: 6);
    }

    [Fact]
    public void A_job_without_its_times_or_times_outside_the_clients_own_give_no_number()
    {
        var missing = Run(wallSeconds: 47.6, Job(0, 25), Job(1, 47) with { JobFinishedAt = null });
        // Jobs' times spanning 70 s in a run the client timed at 52 s: the time of day stepped forward.
        var stepped = Run(wallSeconds: 52, Job(0, 25), Job(1, 70) with { FinishedAt = Start.AddSeconds(51.5) });
        // The time of day stepped back 5 s during the run: the jobs' span (44 s) fits in the client's 52 s, but the client
        // saw its last outcome 47.5 s after its start by the time of day, 52 s by its own clock.
        var steppedBack = Run(wallSeconds: 52, Job(0, 25), Job(1, 44) with { FinishedAt = Start.AddSeconds(47.5) });
        var backwards = Run(wallSeconds: 5.5, Job(10, 5));

        Assert.Contains("without its submission or outcome time", Assert.Throws<LoadTestException>(() => SystemBenchmark.Throughput(missing)).Message, StringComparison.Ordinal);
        Assert.Contains("the machine's clock stepped", Assert.Throws<LoadTestException>(() => SystemBenchmark.Throughput(stepped)).Message, StringComparison.Ordinal);
        Assert.Contains("the machine's clock stepped", Assert.Throws<LoadTestException>(() => SystemBenchmark.Throughput(steppedBack)).Message, StringComparison.Ordinal);
        Assert.Contains("the machine's clock stepped", Assert.Throws<LoadTestException>(() => SystemBenchmark.Throughput(backwards)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_finished_jobs_result_keeps_its_submission_and_outcome_times_beside_when_the_client_saw_it()
    {
        var state = new JobState("job-1", "DONE", 100, 1, SubmittedAt: Start, StartedAt: Start.AddSeconds(1), FinishedAt: Start.AddSeconds(13),
            Error: null, ConversionMethod: "transcode", UploadedAt: Start.AddSeconds(-0.1));
        var seen = Start.AddSeconds(13.6);

        var result = JobResult.From(state, new UploadMeasurement("single", TimeSpan.FromSeconds(0.2), 1000, 1000, 1), TimeSpan.FromSeconds(14), seen);

        Assert.Equal(Start, result.SubmittedAt);
        Assert.Equal(Start.AddSeconds(13), result.JobFinishedAt);
        Assert.Equal(seen, result.FinishedAt);
    }

    [Fact]
    public void The_benchmarks_clients_poll_at_a_clients_usual_pace_without_the_timeline()
    {
        var settings = new BenchmarkSettings(new ApiEndpoint(new Uri("http://127.0.0.1:5000"), null), "worker", Workers: 2, Runs: 3, ThroughputJobs: 4,
            InputSeconds: 10, BigFileMegabytes: 0, ApiConcurrency: 32, ApiDuration: TimeSpan.FromSeconds(10), ApiMaxJobs: 200, WorkDirectory: "/tmp", Report: "report.md");

        var run = SystemBenchmark.JobsRun(settings, "input.avi", jobs: 4, concurrency: 4);

        Assert.Equal(TimeSpan.FromSeconds(1), run.PollInterval);
        Assert.False(run.SampleTimeline);
        // The run command's clients watch their jobs closely.
        Assert.Equal(TimeSpan.FromMilliseconds(250), (run with { PollMilliseconds = RunSettings.DefaultPollMilliseconds }).PollInterval);
        Assert.Throws<ArgumentOutOfRangeException>(() => (run with { PollMilliseconds = 0 }).PollInterval);
    }

    /// <summary>A job the client saw done 0.5 s after its worker reported it.</summary>
    private static JobResult Job(double submittedSecond, double finishedSecond) => new(
        "job", "DONE", null, 1, "transcode", 0.5, null, null, finishedSecond - submittedSecond, Start.AddSeconds(finishedSecond + 0.5),
        "single", 1000, 1000, 1, Start.AddSeconds(submittedSecond), Start.AddSeconds(finishedSecond));

    private static RunResult Run(double wallSeconds, params JobResult[] jobs) => new(
        "benchmark-throughput",
        new RunSettings(new ApiEndpoint(new Uri("http://127.0.0.1:5000"), null), jobs.Length, jobs.Length, ["input.avi"], TimeSpan.FromHours(1), "/tmp"),
        Start, wallSeconds, jobs, [], []);
}
