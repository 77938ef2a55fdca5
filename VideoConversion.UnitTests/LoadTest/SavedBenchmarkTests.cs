using VideoConversion.LoadTest;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

/// <summary>A benchmark run saved as it measured, so that its report can be written again without measuring.</summary>
public sealed class SavedBenchmarkTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();
    private readonly string _again = Path.GetTempFileName();

    public void Dispose()
    {
        File.Delete(_file);
        File.Delete(_again);
    }

    [Fact]
    public async Task A_saved_run_writes_the_same_report_again_on_its_own_day_and_machine_and_keeps_no_api_key()
    {
        const string Key = "vc_key-that-must-not-be-saved";
        var settings = BenchmarkReportTests.Settings with { Api = new ApiEndpoint(new Uri("http://127.0.0.1:5000"), Key) };
        var run = SavedBenchmark.Of(EveryMeasurement(), settings, [new DatabaseRounds("PostgreSQL", 2, "Npgsql's pool", [Round()])])
            with { MeasuredOn = new DateOnly(2026, 12, 6) };

        await run.WriteAsync(_file, CancellationToken.None);
        var read = await SavedBenchmark.ReadAsync(_file, CancellationToken.None);
        await read.WriteAsync(_again, CancellationToken.None);

        // Nothing lost on the way: what was read saves to the very same file.
        Assert.Equal(await File.ReadAllTextAsync(_file), await File.ReadAllTextAsync(_again));
        var report = read.Markdown();
        Assert.Equal(run.Markdown(), report);
        Assert.Contains("Produced by `scripts/benchmark` on 2026-12-06;", report, StringComparison.Ordinal);
        // The measured machine's cores, not this one's.
        Assert.Contains("rejecting the round's jobs on the same 64 cores meanwhile", report, StringComparison.Ordinal);
        Assert.Contains("## The write path on each database", report, StringComparison.Ordinal);
        Assert.Contains("## Where a transcode's time goes", report, StringComparison.Ordinal);
        Assert.Contains("## Where the cores' time went", report, StringComparison.Ordinal);
        Assert.Contains("| `POST /jobs`, the workers running | 1.00 | 30.00 | 1.00 | 3.00 | 10.00 | 20.00 |", report, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, await File.ReadAllTextAsync(_file), StringComparison.Ordinal);
        Assert.Null(read.Settings.Api.Key);
        Assert.Equal(settings.Api.Url, read.Settings.Api.Url);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{}")]
    [InlineData("""{ "Database": "PostgreSQL", "ApiReplicas": 1, "Pooling": "Npgsql's pool", "Rounds": [] }""")]
    public async Task A_file_that_holds_no_run_is_refused_by_name(string text)
    {
        await File.WriteAllTextAsync(_file, text);

        var refused = await Assert.ThrowsAsync<LoadTestException>(() => SavedBenchmark.ReadAsync(_file, CancellationToken.None));

        Assert.Contains(_file, refused.Message, StringComparison.Ordinal);
    }

    private static ApiBenchmark.Phase Phase(string call, double perSecond) => new(
        call, 1000, 0, 1, perSecond, new Distribution(5, 4, 8, 12, 20), new UploadEventsRecorded.Wait(1000, 0, 0.4), 2.5,
        [new TimedCall(31, 24.5), new TimedCall(132, 26.1)], new LateTimer(652, 6),
        new ApiSideTimes(new StepTimes(1000, 0, 25), new StepTimes(146, 0, 25), new StepTimes(87, 0, 5), new StepTimes(1, 1, double.PositiveInfinity)),
        new CoresTime(64, 64, 20, 3, new Dictionary<string, double> { [SystemParts.Api] = 30, [SystemParts.Workers] = 1 }));

    private static ApiBenchmark.Round Round() => new(Phase("POST /upload/request", 1200), Phase("POST /jobs", 1300), Phase("GET /jobs/{id}", 3000),
        new ApiBenchmark.PacedRound(1000, Phase("POST /upload/request", 998), Phase("POST /jobs", 990), Phase("GET /jobs/{id}", 999)));

    /// <summary>Every kind of measurement the report reads, a run's unread cores (null), and numbers that are not (NaN, ∞).</summary>
    private static SystemBenchmark.Results EveryMeasurement()
    {
        CoresTime Cores(double converting) =>
            new(2, 27.0, 2.4, converting, new Dictionary<string, double> { ["api"] = 0.17, ["workers"] = 0.18, ["storage"] = 0.02 });
        var stages = new JobTimeBreakdown("remux", 3, [new JobTimeBreakdown.Stage("worker", "ffmpeg", 1, 70.1, 169.4, 3)], 1,
            new Dictionary<string, double> { ["job-1"] = 0.17 });
        return BenchmarkReportTests.Results(10.5, 0.7, 11.0, 1500, 20) with
        {
            FFprobeSeconds = double.NaN,
            MemoryLargeMebibytes = new Dictionary<string, double> { ["api"] = 196, ["worker"] = 126 },
            LargeInputMegabytes = 1024,
            SqliteCommitMilliseconds = new Distribution(0.2, 0.21, 0.3, 0.5, 1.0),
            UploadToStartMilliseconds = [45, 50, 37],
            ApiRounds = [Round(), Round()],
            MemoryIdleMebibytes = new Dictionary<string, double> { ["api"] = 194, ["worker"] = 121 },
            SharedApiRound = Round(),
            TelemetryBytesPerSecond = 12_345,
            Outputs = new SystemBenchmark.OutputsMeasurement([32.6, 35.7, 32.7], [34.4, 38.4, 35.3], [20.8, 26.0, 25.2], [23.0, 24.7, 25.7], ["720p", "480p", "360p"]),
            Uploads = new UploadBenchmark.Measurement(
                new UploadBenchmark.Throughput(2_147_483_648, 5_242_880, 410, [500.0, 510.0], [300.0, 280.0], [320.0, 300.0]),
                new UploadBenchmark.Resilience(314_572_800, 5_242_880, 60, 2, 320_000_000, 315_000_000, 2, 202, 314_572_800, 3.2)),
            RemuxBreakdown = stages,
            RawThroughputRuns = [12.0, 10.0, 15.0],
            SystemThroughputRuns = [10.0, 9.0, 12.0],
            ApiWarmUp = Round(),
            Cpu = new SystemBenchmark.CpuMeasurement([20.0, 25.0, 18.0], [10.0, 10.0, 8.0]),
            IdleWorkerConsumers = 2,
            Cores = new SystemBenchmark.CoresMeasurement([Cores(22.9), Cores(23.0), Cores(22.8)], [Cores(23.7), null, Cores(23.5)],
                [Cores(23.6), Cores(23.7), Cores(23.5)], [Cores(23.4), Cores(23.3), Cores(23.2)]),
            TranscodeBreakdown = stages with { Method = "transcode", FFmpegSecondsByJob = new Dictionary<string, double> { ["job-1"] = 10.2, ["job-3"] = 9.9 } },
            SystemTranscodeJobs = ["job-1", "job-2", "job-3"],
            ProcessorCount = 64,
        };
    }
}
