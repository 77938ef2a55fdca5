using VideoConversion.LoadTest.Benchmark;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class BenchmarkReportTests
{
    internal static readonly BenchmarkSettings Settings = new(
        new VideoConversion.LoadTest.Api.ApiEndpoint(new Uri("http://127.0.0.1:5000"), null), "worker", Workers: 2, Runs: 3, ThroughputJobs: 8, InputSeconds: 10, BigFileMegabytes: 200,
        ApiConcurrency: 32, ApiDuration: TimeSpan.FromSeconds(10), ApiMaxJobs: 200, WorkDirectory: "/tmp", Report: "report.md");

    internal static SystemBenchmark.Results Results(double systemTranscodeSeconds, double systemRemuxSeconds, double systemThroughputPerMinute, double submitPerSecond, double submitP99) => new(
        "2 cores, test machine",
        RawTranscodeRuns: [10.0, 10.2, 9.9],
        RawRemuxRuns: [0.5, 0.6, 0.5],
        SystemTranscodeRuns: [systemTranscodeSeconds, systemTranscodeSeconds + 0.1, systemTranscodeSeconds - 0.1],
        SystemRemuxRuns: [systemRemuxSeconds, systemRemuxSeconds, systemRemuxSeconds],
        RawTranscodeSeconds: 10.0,
        RawRemuxSeconds: 0.5,
        RawThroughputPerMinute: 12.0,
        SystemTranscodeSeconds: systemTranscodeSeconds,
        SystemRemuxSeconds: systemRemuxSeconds,
        SystemThroughputPerMinute: systemThroughputPerMinute,
        InputMegabytes: 10.4,
        MemorySmallMebibytes: new Dictionary<string, double> { ["api"] = 120, ["worker"] = 150 },
        MemoryLargeMebibytes: null,
        LargeInputMegabytes: null,
        Create: new ApiBenchmark.Phase("POST /upload/request", 3000, 0, 10, submitPerSecond, new Distribution(80, 75, 120, submitP99, 2500)),
        Submit: new ApiBenchmark.Phase("POST /jobs", 30, 0, 10, submitPerSecond, new Distribution(900, 800, 1500, submitP99, 2500)),
        Read: new ApiBenchmark.Phase("GET /jobs/{id}", 20000, 0, 10, 2000, new Distribution(10, 8, 15, 40, 60)),
        SubmitAnatomy: new ApiBenchmark.Anatomy(2.1, 40.0),
        StorageRoundTripMilliseconds: 6,
        FFprobeSeconds: 0.08);

    /// <summary>
    /// FFmpeg's CPU time on both sides: raw as the floor's runs count it, the system's as its cores' time converting in each
    /// run (null: a run whose workers could not be read). No raw cores' time, so no table of the cores.
    /// </summary>
    internal static SystemBenchmark.Results WithCpu(
        SystemBenchmark.Results results, double[] rawTranscode, double?[] systemTranscode, double[] rawThroughput, double?[] systemThroughput) =>
        results with
        {
            Cpu = new SystemBenchmark.CpuMeasurement(rawTranscode, rawThroughput),
            Cores = new SystemBenchmark.CoresMeasurement([], systemTranscode.Select(Converting).ToList(), [], systemThroughput.Select(Converting).ToList()),
        };

    private static CoresTime? Converting(double? seconds) =>
        seconds is { } cpu ? new CoresTime(Cores: 2, Total: cpu, Idle: 0, Converting: cpu, new Dictionary<string, double>()) : null;

    [Fact]
    public void Each_target_is_reported_met_or_not_met_from_the_measured_numbers()
    {
        var missed = BenchmarkReport.Markdown(Results(11.0, 1.3, 10.0, 3, 2000), Settings, "scripts/benchmark");
        var met = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20), Settings, "scripts/benchmark");

        Assert.Contains("| Transcode, per job | 10.00 s | 11.00 s | 1.100× (overhead 10.0 %) | overhead ≤ 5% | **not met** |", missed, StringComparison.Ordinal);
        Assert.Contains("| Remux, per job | 0.50 s | 1.30 s | +0.80 s | ≤ +0.3 s | **not met** |", missed, StringComparison.Ordinal);
        Assert.Contains("| 83.3 % of raw | ≥ 95% | **not met** |", missed, StringComparison.Ordinal);
        Assert.Contains("| ≥ 1,000/s, p99 < 25 ms | **not met** |", missed, StringComparison.Ordinal);
        Assert.Contains("| overhead ≤ 5% | met |", met, StringComparison.Ordinal);
        Assert.Contains("| ≤ +0.3 s | met |", met, StringComparison.Ordinal);
        Assert.Contains("| ≥ 95% | met |", met, StringComparison.Ordinal);
        Assert.Contains("| ≥ 1,000/s, p99 < 25 ms | met |", met, StringComparison.Ordinal);
        Assert.DoesNotContain("not met", met, StringComparison.Ordinal);
        // Each write against reading a job in the same run: rate 1500/2000, p99 20/40 ms.
        Assert.Contains("| 0.75×, 0.50× | ≥ 1,000/s, p99 < 25 ms | met |", met, StringComparison.Ordinal);
        Assert.Contains("| `GET /jobs/{id}` | 20000 | 0 | 2000/s |", met, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transcode_difference_is_called_noise_only_when_one_sides_own_runs_spread_further()
    {
        // Raw 9.9-10.2 s (a spread of 0.3 s). System 11.0 ± 0.1 s: 1.0 s apart, beyond both spreads, and beyond the remux's
        // fixed +0.2 s. Pooled, the six runs would span 1.2 s and call it noise.
        var apart = BenchmarkReport.Markdown(Results(11.0, 0.7, 11.8, 1500, 20), Settings, "scripts/benchmark");
        // System 10.6 s from runs 10.0-11.1: 0.6 s apart, beyond the raw runs' spread (0.3 s) but within the system's (1.1 s).
        var withinOneSide = BenchmarkReport.Markdown(
            Results(10.6, 0.7, 11.8, 1500, 20) with { SystemTranscodeRuns = [10.6, 10.0, 11.1] }, Settings, "scripts/benchmark");
        // System 10.4 ± 0.1 s: 0.4 s apart, beyond both spreads, within the remux's fixed +0.5 s.
        var fixedCost = BenchmarkReport.Markdown(Results(10.4, 1.0, 11.8, 1500, 20), Settings, "scripts/benchmark");
        // System 9.0 ± 0.1 s: 1.0 s faster than FFmpeg alone, beyond both spreads.
        var faster = BenchmarkReport.Markdown(Results(9.0, 0.7, 11.8, 1500, 20), Settings, "scripts/benchmark");
        var oneRun = BenchmarkReport.Markdown(
            Results(11.0, 0.7, 11.8, 1500, 20) with { RawTranscodeRuns = [10.0], SystemTranscodeRuns = [11.0] }, Settings, "scripts/benchmark");

        Assert.Contains("the measured difference is 10.0 % of the job (+1.00 s), larger than the runs' spread and than the remux's fixed cost (+0.20 s), which does not explain it:", apart, StringComparison.Ordinal);
        Assert.Contains("the measured difference is 6.0 % of the job (+0.60 s), smaller than the runs' spread;", withinOneSide, StringComparison.Ordinal);
        Assert.Contains("the measured difference is 4.0 % of the job (+0.40 s), larger than the runs' spread and no more than the remux's fixed cost;", fixedCost, StringComparison.Ordinal);
        Assert.Contains("the measured difference is -10.0 % of the job (-1.00 s), faster than FFmpeg alone by more than the runs' spread: the machine ran faster", faster, StringComparison.Ordinal);
        Assert.Contains("the measured difference is 10.0 % of the job (+1.00 s), from one run of a side, with no spread to weigh it against;", oneRun, StringComparison.Ordinal);
    }

    [Fact]
    public void FFmpegs_cpu_time_on_both_sides_says_how_much_of_an_overhead_its_slower_run_accounts_for()
    {
        // The transcode's wall time is 10 % over raw (not met). FFmpeg's CPU time for the same command 8 % more, beyond both
        // sides' spreads (0.3 s, 0.2 s): taken out, 2 % is left. The throughput's jobs used the same CPU.
        static string Report(SystemBenchmark.Results results, double?[] systemTranscode, double[]? rawThroughput = null, double?[]? systemThroughput = null) =>
            BenchmarkReport.Markdown(
                WithCpu(results, [20.0, 20.2, 19.9], systemTranscode, rawThroughput ?? [21.0, 21.2, 20.8], systemThroughput ?? [21.0, 21.3, 20.9]),
                Settings, "scripts/benchmark");
        var slower = Report(Results(11.0, 0.7, 11.8, 1500, 20), [21.6, 21.7, 21.5]);
        // FFmpeg's CPU time 2 % more (0.4 s, beyond both spreads): taken out, the overhead is still 8 %.
        var pipelineSlower = Report(Results(11.0, 0.7, 11.8, 1500, 20), [20.4, 20.5, 20.3]);
        // 4 % over raw (met), FFmpeg 2 % slower: 2 % left.
        var metBothWays = Report(Results(10.4, 0.7, 11.8, 1500, 20), [20.4, 20.5, 20.3]);
        var same = Report(Results(11.0, 0.7, 11.8, 1500, 20), [20.1, 20.0, 20.2]);
        // 4 % over raw (met), FFmpeg 5 % faster in the system: taken out, 9 %.
        var machineFaster = Report(Results(10.4, 0.7, 11.8, 1500, 20), [19.0, 19.1, 18.9]);
        // Throughput at 90 % of raw (not met), each job's FFmpeg 8 % more CPU: 1 / 0.9 − 0.08 = 1.031 of raw time, 97.0 %. The
        // transcode 2 % over raw with FFmpeg's CPU 8 % more: more than the whole difference.
        var throughputSlower = Report(Results(10.2, 0.7, 10.8, 1500, 20), [21.6, 21.7, 21.5], [20.0, 20.1, 19.9], [21.6, 21.7, 21.5]);
        // 5 % faster than raw, FFmpeg 2.5 % faster: still faster than FFmpeg alone with that taken out.
        var fasterStill = Report(Results(9.5, 0.7, 11.8, 1500, 20), [19.5, 19.55, 19.45]);
        var unmeasured = BenchmarkReport.Markdown(Results(11.0, 0.7, 11.8, 1500, 20), Settings, "scripts/benchmark");

        Assert.Contains("Taken out, the system would still be faster than FFmpeg alone, which nothing the pipeline does can make it", fasterStill, StringComparison.Ordinal);
        Assert.Contains("| FFmpeg's CPU time, per transcode | 20.00 s | 21.60 s | 1.080× |", slower, StringComparison.Ordinal);
        Assert.Contains("| FFmpeg's CPU time per job, throughput | 21.00 s | 21.00 s | 1.000× |", slower, StringComparison.Ordinal);
        Assert.Contains("FFmpeg's CPU time for the same transcode was 8.0 % more in the system (medians: raw 20.00 s, system 21.60 s), beyond its runs' spread:", slower, StringComparison.Ordinal);
        Assert.Contains("or because of what ran beside FFmpeg in the system (this measurement cannot tell which).", slower, StringComparison.Ordinal);
        Assert.Contains("the overhead would be 2.0 %, within the target: if the machine, not what ran beside FFmpeg, slowed it, the machine puts the measured number past the target.", slower, StringComparison.Ordinal);
        Assert.Contains("FFmpeg's CPU time for the throughput's jobs was the same on both sides within its runs' spread (medians: raw 21.00 s, system 21.00 s)", slower, StringComparison.Ordinal);
        Assert.Contains("transcode raw 20.00 20.20 19.90, system 21.60 21.70 21.50, per throughput job raw 21.00 21.20 20.80, system 21.00 21.30 20.90.", slower, StringComparison.Ordinal);
        Assert.Contains("the overhead would be 8.0 %, short of the target either way.", pipelineSlower, StringComparison.Ordinal);
        Assert.Contains("the overhead would be 2.0 %, within the target either way.", metBothWays, StringComparison.Ordinal);
        Assert.Contains("FFmpeg's CPU time for the transcode was the same on both sides within its runs' spread (medians: raw 20.00 s, system 20.10 s)", same, StringComparison.Ordinal);
        Assert.Contains("was 5.0 % less in the system (medians: raw 20.00 s, system 19.00 s), beyond its runs' spread: each second of the cores did more of the same work, because the machine ran faster during the system's runs, or FFmpeg met less contention there", machineFaster, StringComparison.Ordinal);
        Assert.Contains("the overhead would be 9.0 %, short of the target: FFmpeg running faster in the system met it.", machineFaster, StringComparison.Ordinal);
        Assert.Contains("the system would run at 97.0 % of the raw loop, within the target: if the machine, not what ran beside FFmpeg, slowed it, the machine puts the measured number past the target.", throughputSlower, StringComparison.Ordinal);
        Assert.Contains("FFmpeg's slower run could account for all of the difference in time; this measurement cannot say how much of it is the pipeline's.", throughputSlower, StringComparison.Ordinal);
        Assert.DoesNotContain("CPU time", unmeasured, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_system_run_is_paired_with_the_raw_run_before_it_at_FFmpegs_speed_in_each()
    {
        // Transcode, time per FFmpeg CPU second: raw 0.5, 0.48, 0.5; the system 0.5 (its FFmpeg 10 % slower, the machine's
        // moment), 0.525, 0.51: +0.0 %, +9.4 %, +2.0 %, median +2.0 % (paired with the raw run after each instead: +4.2 %,
        // +5.0 %, +2.0 %). Throughput, raw 5 s a job for 10 s of CPU, 6 s for 10 s, 4 s for 8 s: the system 6 s for 10 s
        // (83.3 %), 6.67 s for 10 s (90.0 %), 5 s for 11 s (110.0 %): median 90.0 % (their mean 94.4 %).
        var results = Results(10.5, 0.7, 11.0, 1500, 20) with
        {
            RawTranscodeRuns = [10.0, 12.0, 9.0],
            SystemTranscodeRuns = [11.0, 10.5, 10.2],
            RawThroughputRuns = [12.0, 10.0, 15.0],
            SystemThroughputRuns = [10.0, 9.0, 12.0],
        };

        var report = BenchmarkReport.Markdown(WithCpu(results, [20.0, 25.0, 18.0], [22.0, 20.0, 20.0], [10.0, 10.0, 8.0], [10.0, 10.0, 11.0]), Settings, "scripts/benchmark");
        var oneUnread = BenchmarkReport.Markdown(WithCpu(results, [20.0, 25.0, 18.0], [22.0, null, 20.0], [10.0, 10.0, 8.0], [10.0, 10.0, 11.0]), Settings, "scripts/benchmark");
        var twoUnread = BenchmarkReport.Markdown(WithCpu(results, [20.0, 25.0, 18.0], [22.0, null, null], [10.0, 10.0, 8.0], [10.0, 10.0, 11.0]), Settings, "scripts/benchmark");
        var throughputMet = BenchmarkReport.Markdown(
            WithCpu(results with { SystemThroughputRuns = [10.0, 10.0, 12.0] }, [20.0, 25.0, 18.0], [22.0, 20.0, 20.0], [10.0, 10.0, 8.0], [10.0, 10.0, 11.0]),
            Settings, "scripts/benchmark");

        Assert.Contains("Paired run by run rather than by medians (each system run against the raw run just before it, each side's time divided " +
                        "by its own FFmpeg's CPU time, so a run at a slow moment of the machine is scaled to that moment's speed), the system's " +
                        "overhead over raw FFmpeg: +0.0 %, +9.4 %, +2.0 %; median +2.0 %, within the target at each run's own FFmpeg speed (2 of 3 pairs within it). " +
                        "This takes out what made FFmpeg need more or less CPU time for the same work", report, StringComparison.Ordinal);
        Assert.Contains("the system's jobs a minute against the raw loop's: 83.3 %, 90.0 %, 110.0 %; median 90.0 %, short of the target even at each run's own FFmpeg speed (1 of 3 pairs within it).",
            report, StringComparison.Ordinal);
        // 6 s for 10 s against 6 s for 10 s: 100.0 %.
        Assert.Contains("the system's jobs a minute against the raw loop's: 83.3 %, 100.0 %, 110.0 %; median 100.0 %, within the target", throughputMet, StringComparison.Ordinal);
        // An unread run is left out; the others still pair with the raw runs before them: +0.0 % and +2.0 %, median +1.0 %.
        Assert.Contains("the system's overhead over raw FFmpeg: +0.0 %, unread, +2.0 %; median of the 2 runs read +1.0 %, within the target at each run's own FFmpeg speed (2 of 2 pairs within it)", oneUnread, StringComparison.Ordinal);
        Assert.Contains("the system's jobs a minute against the raw loop's: 83.3 %, 90.0 %, 110.0 %; median 90.0 %", oneUnread, StringComparison.Ordinal);
        // 6 s for 10 s against 5 s for 10 s left out: 83.3 % and 110.0 %, median 96.7 %.
        var throughputUnread = BenchmarkReport.Markdown(WithCpu(results, [20.0, 25.0, 18.0], [22.0, 20.0, 20.0], [10.0, 10.0, 8.0], [10.0, null, 11.0]), Settings, "scripts/benchmark");
        Assert.Contains("the system's jobs a minute against the raw loop's: 83.3 %, unread, 110.0 %; median of the 2 runs read 96.7 %, within the target at each run's own FFmpeg speed (1 of 2 pairs within it)", throughputUnread, StringComparison.Ordinal);
        // One run read is no pairing to speak of.
        Assert.DoesNotContain("the system's overhead over raw FFmpeg:", twoUnread, StringComparison.Ordinal);
        Assert.Null(MachineSpeedReport.PairedChanges([10.0], [20.0], [11.0], [20.0]));
        Assert.Null(MachineSpeedReport.PairedChanges([10.0, 10.0], [20.0, 20.0], [11.0, 11.0], [20.0, 0.0]));
    }

    [Fact]
    public void The_ladders_one_decode_is_called_faster_only_when_it_took_less_time()
    {
        static string Report(double oneDecode, double separate) => BenchmarkReport.Markdown(
            Results(10.2, 0.7, 11.8, 1500, 20) with
            {
                Outputs = new SystemBenchmark.OutputsMeasurement([20.0, 21.0, 22.0], [22.0, 23.0, 24.0], [oneDecode, oneDecode, oneDecode], [separate, separate, separate], ["720p", "480p"]),
            },
            Settings, "scripts/benchmark");

        Assert.Contains("| HLS ladder: one FFmpeg run per rendition | 12.00 s |  | one decode is 1.20× faster |", Report(10.0, 12.0), StringComparison.Ordinal);
        Assert.Contains("| HLS ladder: one FFmpeg run per rendition | 10.00 s |  | one decode takes 1.20× as long |", Report(12.0, 10.0), StringComparison.Ordinal);
    }

    [Fact]
    public void The_per_job_medians_say_how_many_runs_they_are_of()
    {
        var results = Results(10.2, 0.7, 11.8, 1500, 20) with { RawTranscodeRuns = [10.0, 10.2, 9.9, 10.1, 10.0], RawRemuxRuns = [0.5, 0.6, 0.5, 0.5, 0.5, 0.6, 0.5] };

        var report = BenchmarkReport.Markdown(results, Settings with { JobRuns = 9 }, "scripts/benchmark");

        Assert.Contains("Per-job times are medians of 5 transcodes and 7 remuxes run one at a time;", report, StringComparison.Ordinal);
    }

    [Fact]
    public void System_runs_whose_workers_could_not_be_read_are_said_to_be_missing()
    {
        static string Report(double?[] systemTranscode, double?[] systemThroughput) => BenchmarkReport.Markdown(
            WithCpu(Results(11.0, 0.7, 11.8, 1500, 20), [20.0, 20.2, 19.9], systemTranscode, [21.0, 21.2, 20.8], systemThroughput), Settings, "scripts/benchmark");
        var oneUnread = Report([22.0, null, 22.1], [21.0, 21.3, 20.9]);
        var transcodesUnread = Report([null, null, null], [21.0, 21.3, 20.9]);
        var noneRead = Report([null, null, null], [null, null, null]);

        Assert.Contains("transcode raw 20.00 20.20 19.90, system 22.00 unread 22.10 (1 of 3 system runs unread: its workers not all found, or one ended during the run), per throughput job", oneUnread, StringComparison.Ordinal);
        Assert.Contains("| FFmpeg's CPU time, per transcode | 20.00 s | 22.05 s |", oneUnread, StringComparison.Ordinal);
        Assert.Contains("transcode raw 20.00 20.20 19.90, system unread, per throughput job raw 21.00 21.20 20.80, system 21.00 21.30 20.90", transcodesUnread, StringComparison.Ordinal);
        Assert.DoesNotContain("| FFmpeg's CPU time, per transcode", transcodesUnread, StringComparison.Ordinal);
        Assert.Contains("| FFmpeg's CPU time per job, throughput | 21.00 s | 21.00 s |", transcodesUnread, StringComparison.Ordinal);
        Assert.Contains("FFmpeg's CPU time in the system could not be read (its workers were not all found among this machine's processes, or one ended during each run)", noneRead, StringComparison.Ordinal);
        Assert.DoesNotContain("| FFmpeg's CPU time", noneRead, StringComparison.Ordinal);
    }

    [Fact]
    public void Throughputs_runs_of_each_side_are_listed_with_the_others()
    {
        var results = Results(10.2, 0.7, 11.0, 1500, 20) with { RawThroughputRuns = [12.0, 12.4, 11.6], SystemThroughputRuns = [11.0, 10.1, 11.9] };

        var report = BenchmarkReport.Markdown(results, Settings, "scripts/benchmark");

        Assert.Contains("system 0.70 0.70 0.70; throughput (jobs/min) raw 12.0 12.4 11.6, system 11.0 10.1 11.9.", report, StringComparison.Ordinal);
        Assert.Contains("Throughput is the median of 3 runs of each side, alternated; a raw run is timed from its first FFmpeg's start to its last " +
                        "one's end, a system run, as the per-job times are, from its first job's submission to its last job's outcome as the jobs " +
                        "record them (runs before 2026-12-06 were timed by the client", report, StringComparison.Ordinal);
        var withoutRuns = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.0, 1500, 20), Settings, "scripts/benchmark");
        Assert.DoesNotContain("throughput (jobs/min)", withoutRuns, StringComparison.Ordinal);
        Assert.DoesNotContain("Throughput is the median", withoutRuns, StringComparison.Ordinal);
    }

    [Fact]
    public void How_many_jobs_each_worker_held_at_once_is_said_from_the_consumers_the_broker_counted()
    {
        var oneSlot = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.0, 1500, 20) with { IdleWorkerConsumers = 2 }, Settings, "scripts/benchmark");
        var twoSlots = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.0, 1500, 20) with { IdleWorkerConsumers = 4 }, Settings, "scripts/benchmark");
        var attaching = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.0, 1500, 20) with { IdleWorkerConsumers = 3 }, Settings, "scripts/benchmark");
        var unread = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.0, 1500, 20), Settings, "scripts/benchmark");

        Assert.Contains("Each worker took one job at a time (2 consumers of `video_jobs` for 2 workers,", oneSlot, StringComparison.Ordinal);
        // What the client asked of the system while its jobs were timed, said with the workers' mode.
        Assert.Contains("the load tool as the client: while the per-job and throughput jobs are timed it asks the API only for each job's upload URL and, 1,000 ms after each answer, its state, and PUTs its input to storage.", oneSlot, StringComparison.Ordinal);
        Assert.Contains("in the throughput below no worker downloads or uploads while its own FFmpeg runs.", oneSlot, StringComparison.Ordinal);
        Assert.Contains("In a backlog each worker took its next job, and downloaded its input, while one converted (4 consumers of `video_jobs` for 2 workers,", twoSlots, StringComparison.Ordinal);
        Assert.DoesNotContain("no worker downloads", twoSlots, StringComparison.Ordinal);
        Assert.Contains("The workers held jobs through 3 consumers of `video_jobs` for 2 workers", attaching, StringComparison.Ordinal);
        Assert.Contains("How many jobs each worker held at once was not read", unread, StringComparison.Ordinal);
    }

    [Fact]
    public void Where_the_cores_time_went_is_set_out_per_job_for_each_side_with_the_systems_difference()
    {
        static CoresTime Time(double total, double idle, double converting, double api = 0, double workers = 0) =>
            new(Cores: 2, total, idle, converting, api + workers == 0
                ? new Dictionary<string, double> { [SystemParts.LoadTool] = 0.1 }
                : new Dictionary<string, double> { [SystemParts.Api] = api, [SystemParts.Workers] = workers, [SystemParts.LoadTool] = 0.1 });
        var cores = new SystemBenchmark.CoresMeasurement(
            RawTranscodeRuns: [Time(24, 3, 20.5), Time(26, 5, 20.5)],
            SystemTranscodeRuns: [Time(26, 3, 21, api: 0.5, workers: 0.4), Time(28, 5, 21, api: 0.5, workers: 0.6)],
            RawThroughputPerJob: [Time(24, 1, 22.5)],
            SystemThroughputPerJob: [Time(26, 1.5, 23, api: 0.3, workers: 0.5)]);

        var markdown = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.0, 1500, 20) with { Cores = cores }, Settings, "scripts/benchmark");
        var unread = BenchmarkReport.Markdown(
            Results(10.2, 0.7, 11.0, 1500, 20) with { Cores = cores with { SystemTranscodeRuns = [null, null], SystemThroughputPerJob = [null] } }, Settings, "scripts/benchmark");
        // A run unread is left out of its side's sum and count.
        var oneUnread = BenchmarkReport.Markdown(
            Results(10.2, 0.7, 11.0, 1500, 20) with { Cores = cores with { SystemTranscodeRuns = [cores.SystemTranscodeRuns[0], null] } }, Settings, "scripts/benchmark");

        Assert.Contains("## Where the cores' time went", markdown, StringComparison.Ordinal);
        Assert.Contains("|  | Transcode, per job, raw (2 runs) | system (2 runs) | system − raw | Throughput, per job, raw (1 run) | system (1 run) | system − raw |", markdown, StringComparison.Ordinal);
        // Means over the runs: transcode raw 25 s of the cores, 4 idle, 20.5 converting; the system 27, 4, 21.
        Assert.Contains("| All cores (wall × 2) | 25.00 | 27.00 | +2.00 | 24.00 | 26.00 | +2.00 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| FFmpeg, converting | 20.50 | 21.00 | +0.50 | 22.50 | 23.00 | +0.50 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| API | 0.00 | 0.50 | +0.50 | 0.00 | 0.30 | +0.30 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| workers | 0.00 | 0.50 | +0.50 | 0.00 | 0.50 | +0.50 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| load tool | 0.10 | 0.10 | +0.00 | 0.10 | 0.10 | +0.00 |", markdown, StringComparison.Ordinal);
        // The rest: 25 - 4 - 20.5 - 0.1 raw; 27 - 4 - 21 - 1.0 - 0.1 in the system.
        Assert.Contains("| The rest of the machine | 0.40 | 0.90 | +0.50 | 0.40 | 0.60 | +0.20 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| Idle | 4.00 | 4.00 | +0.00 | 1.00 | 1.50 | +0.50 |", markdown, StringComparison.Ordinal);
        Assert.Contains("The machine's 2 cores while each per-job transcode", markdown, StringComparison.Ordinal);
        // The system's extra time split by where a deployment runs it: API and load tool elsewhere, the workers with FFmpeg.
        Assert.Contains("Transcode, per job, the system took +2.00 s of the cores over raw FFmpeg: FFmpeg +0.50 s, the workers' own processes +0.50 s, " +
            "the parts a deployment runs apart from its workers, or not at all (API, load tool) +0.50 s, " +
            "the rest of the machine +0.50 s, idle +0.00 s. Throughput, per job, the system took +2.00 s", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("| RabbitMQ |", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("Where the cores' time went", unread, StringComparison.Ordinal);
        Assert.Contains("|  | Transcode, per job, raw (2 runs) | system (1 run) | system − raw |", oneUnread, StringComparison.Ordinal);
        Assert.Contains("| All cores (wall × 2) | 25.00 | 26.00 | +1.00 |", oneUnread, StringComparison.Ordinal);
    }

    [Fact]
    public void A_transcodes_time_is_split_by_its_trace_into_its_ffmpeg_and_the_stages_around_it()
    {
        // Raw 10.0, 12.0, 9.0 s; the system's jobs 11.0, 13.2, 10.2 s, their FFmpeg 10.9, 12.3, 9.8 s: stages 0.1, 0.9, 0.4 s
        // (median 0.40 s, 4.0 % of raw's median 10.00 s); FFmpeg +9.0 %, +2.5 %, +8.9 %: +0.9, +0.3, +0.8 s, median +0.80 s
        // (the medians' difference would be 0.90 s). With the second trace unread: raw 10.0 and 9.0 (9.50 s), FFmpeg 10.9 and
        // 9.8 (10.35 s, 1.089×), stages 0.1 and 0.4 (0.25 s, 2.6 %), FFmpeg +0.85 s. A job time of 0 (its times not
        // recorded) leaves its run out the same way.
        var results = Results(11.0, 0.7, 11.0, 1500, 20) with { RawTranscodeRuns = [10.0, 12.0, 9.0], SystemTranscodeRuns = [11.0, 13.2, 10.2] };
        string Report(SystemBenchmark.Results split) => BenchmarkReport.Markdown(split, Settings, "scripts/benchmark");
        // Run i's job is "job-i"; its FFmpeg as its trace gave it, null: its trace not read.
        static SystemBenchmark.Results Traced(SystemBenchmark.Results results, params double?[] ffmpeg) => results with
        {
            SystemTranscodeJobs = [.. ffmpeg.Select((_, run) => $"job-{run}")],
            TranscodeBreakdown = new JobTimeBreakdown("transcode", ffmpeg.Count(seconds => seconds is not null), [], 0,
                ffmpeg.Select((seconds, run) => (seconds, run)).Where(each => each.seconds is not null).ToDictionary(each => $"job-{each.run}", each => each.seconds!.Value)),
        };

        var allRead = Report(Traced(results, 10.9, 12.3, 9.8));
        var oneUnread = Report(Traced(results, 10.9, null, 9.8));
        var oneUntimed = Report(Traced(results with { SystemTranscodeRuns = [11.0, 0.0, 10.2] }, 10.9, 12.3, 9.8));
        var notTraced = Report(results);

        Assert.Contains("| Transcode, per job: its FFmpeg (the span in its trace) | 10.00 s | 10.90 s | 1.090× |  |  |", allRead, StringComparison.Ordinal);
        Assert.Contains("| Transcode, per job: the stages around its FFmpeg |  | 0.40 s | 4.0 % of raw FFmpeg |  |  |", allRead, StringComparison.Ordinal);
        Assert.Contains("Split by each job's trace (the table's rows \"its FFmpeg\" and \"the stages around its FFmpeg\"): " +
                        "its FFmpeg against the raw run just before it +9.0 %, +2.5 %, +8.9 %, median +0.80 s; the stages around it 0.10, 0.90, 0.40 s. " +
                        "FFmpeg ran the same command on both sides", allRead, StringComparison.Ordinal);
        foreach (var partly in new[] { oneUnread, oneUntimed })
        {
            Assert.Contains("| Transcode, per job: its FFmpeg (the span in its trace, 2 of 3 runs) | 9.50 s | 10.35 s | 1.089× |  |  |", partly, StringComparison.Ordinal);
            Assert.Contains("| Transcode, per job: the stages around its FFmpeg, 2 of 3 runs |  | 0.25 s | 2.6 % of raw FFmpeg |  |  |", partly, StringComparison.Ordinal);
            Assert.Contains("Split by each job's trace (2 of the 3 jobs, the others' traces or times not read; the table's rows", partly, StringComparison.Ordinal);
            Assert.Contains("its FFmpeg against the raw run just before it +9.0 %, +8.9 %, median +0.85 s; the stages around it 0.10, 0.40 s.", partly, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Split by each job's trace", notTraced, StringComparison.Ordinal);
        Assert.DoesNotContain("the stages around its FFmpeg", notTraced, StringComparison.Ordinal);
        // Runs that do not line up with the raw ones are not paired.
        Assert.Empty(TranscodeSplitReport.Pairs(Traced(results, 10.9, 12.3)));

        // The spans' table; the recording's unread exports said once, with the remux's spans when they are there.
        var spans = new JobTimeBreakdown("transcode", 3, [new JobTimeBreakdown.Stage("worker", "probe input (ffprobe)", 1, 70.1, 95.0, 3)], UnreadExports: 2);
        var both = Report(results with { TranscodeBreakdown = spans, RemuxBreakdown = spans with { Method = "remux" } });
        var transcodeOnly = Report(results with { TranscodeBreakdown = spans });
        const string Unread = "2 trace export(s) received while recording could not be read";
        Assert.Contains("## Where a transcode's time goes", both, StringComparison.Ordinal);
        Assert.Contains("The same for 3 of the 3 per-job transcodes above", both, StringComparison.Ordinal);
        Assert.Equal(1, both.Split(Unread).Length - 1);
        Assert.Contains("| probe input (ffprobe) | worker | 70.1 | 95.0 | 3 |", transcodeOnly, StringComparison.Ordinal);
        Assert.Contains(Unread, transcodeOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("Where a transcode's time goes", notTraced, StringComparison.Ordinal);
    }

    [Fact]
    public void A_remuxs_spans_are_listed_in_the_order_they_start_with_repeated_spans_numbered()
    {
        var breakdown = new JobTimeBreakdown("remux", 3,
        [
            new JobTimeBreakdown.Stage("worker", "process video_jobs", 1, 0, 412.5, 3),
            new JobTimeBreakdown.Stage("worker", "probe input", 1, 35.2, 118, 3),
            new JobTimeBreakdown.Stage("api", "process video_job_reports", 2, 420, 3.5, 2),
        ], UnreadExports: 1);

        var markdown = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20) with { RemuxBreakdown = breakdown }, Settings, "scripts/benchmark");
        var without = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20), Settings, "scripts/benchmark");

        Assert.Contains("## Where a remux's time goes", markdown, StringComparison.Ordinal);
        Assert.Contains("The spans of 3 of the 3 remux jobs above", markdown, StringComparison.Ordinal);
        var rows = markdown.Split('\n').SkipWhile(line => !line.StartsWith("| Span |", StringComparison.Ordinal)).Skip(2).TakeWhile(line => line.StartsWith('|'));
        Assert.Equal(["| process video_jobs | worker | 0.0 | 412.5 | 3 |", "| probe input | worker | 35.2 | 118.0 | 3 |", "| process video_job_reports (2) | api | 420.0 | 3.5 | 2 |"], rows);
        Assert.Contains("1 trace export(s) received while recording could not be read", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("Where a remux's time goes", without, StringComparison.Ordinal);
    }

    [Fact]
    public void How_the_worker_read_the_remuxs_input_is_said_from_its_trace()
    {
        JobTimeBreakdown Reading(string how) => new("remux", 3, [new JobTimeBreakdown.Stage("worker", $"probe input ({how})", 1, 70.1, how == "index" ? 4.6 : 160, 3)]);

        var indexed = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20) with { RemuxBreakdown = Reading("index") }, Settings, "scripts/benchmark");
        var probed = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20) with { RemuxBreakdown = Reading("ffprobe") }, Settings, "scripts/benchmark");

        Assert.Contains("The worker read the remux's input from its own index in process (4.6 ms;", indexed, StringComparison.Ordinal);
        Assert.DoesNotContain("The worker probes the input with ffprobe before FFmpeg", indexed, StringComparison.Ordinal);
        Assert.Contains("The worker probes the input with ffprobe before FFmpeg", probed, StringComparison.Ordinal);
        Assert.DoesNotContain("from its own index in process", probed, StringComparison.Ordinal);
    }

    [Fact]
    public void A_storage_request_under_a_millisecond_is_reported_with_its_tenths_not_as_zero()
    {
        var report = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20) with { StorageRoundTripMilliseconds = 0.43 }, Settings, "scripts/benchmark");

        Assert.Contains("one request to the storage server takes **0.4 ms** (median of 20)", report, StringComparison.Ordinal);
        Assert.Contains("A bare request to the storage server takes 0.4 ms.", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_write_path_on_postgresql_is_set_next_to_sqlite_with_each_systems_rounds_ratios_and_connections()
    {
        var sqlite = Results(10.2, 0.7, 11.8, 1500, 20);
        ApiBenchmark.Phase Phase(string call, double perSecond, double p99) => new(call, (int)(perSecond * 10), 0, 10, perSecond, new Distribution(p99 / 2, p99 / 2, p99, p99, p99));
        ApiBenchmark.Round Round(double create, double submit) =>
            new(Phase("POST /upload/request", create, 100), Phase("POST /jobs", submit, 200), Phase("GET /jobs/{id}", 1000, 50));
        var postgreSql = new DatabaseRounds("PostgreSQL", 2, "Npgsql's pool", [Round(300, 250), Round(200, 150), Round(310, 100)]);

        // As scripts/benchmark passes them: written by api-rounds, read back by benchmark.
        var file = Path.GetTempFileName();
        await postgreSql.WriteAsync(file, CancellationToken.None);
        var read = await DatabaseRounds.ReadAsync(file, CancellationToken.None);
        File.Delete(file);
        var report = BenchmarkReport.Markdown(sqlite, Settings, "scripts/benchmark", [read]);

        Assert.Contains("## The write path on each database, 32 concurrent clients", report, StringComparison.Ordinal);
        // The round in the middle by submissions a second (150/s) stands for PostgreSQL; against SQLite's 1500/s at p99 20 ms.
        Assert.Contains("| PostgreSQL | 2 | `POST /jobs` | 1500 | 0 | 150/s | 100.0 ms | 200.0 ms | — | 0.10×, 10.00× | ≥ 1,000/s, p99 < 25 ms | **not met** | not measured | 250/s, 200 ms; 150/s, 200 ms; 100/s, 200 ms |",
            report, StringComparison.Ordinal);
        Assert.Contains("| SQLite | 1 | `POST /jobs` | 30 | 0 | 1500/s |", report, StringComparison.Ordinal);
        Assert.Contains("- PostgreSQL, 2 API replica(s): Npgsql's pool.", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_is_judged_at_full_load_and_at_the_target_rate_and_both_are_reported()
    {
        var results = Results(10.2, 0.7, 11.8, 1500, 20);
        ApiBenchmark.Phase Phase(string call, double perSecond, double p99, int errors = 0) =>
            new(call, 1000, errors, 1, perSecond, new Distribution(p99 / 2, p99 / 2, p99, p99, p99));
        // 32 clients at 1,200/s wait 27 ms on average (Little's law): a p99 of 60 ms at full load, 18 ms at 1,000/s.
        ApiBenchmark.Round Round(double submitPerSecond, double submitP99AtRate, int errorsAtRate = 0) => new(
            Phase("POST /upload/request", 1200, 60), Phase("POST /jobs", submitPerSecond, 60), Phase("GET /jobs/{id}", 3000, 20),
            new ApiBenchmark.PacedRound(1000, Phase("POST /upload/request", 998, 18), Phase("POST /jobs", 990, submitP99AtRate, errorsAtRate), Phase("GET /jobs/{id}", 999, 9)));

        var report = BenchmarkReport.Markdown(WithRound(results, Round(1200, 18)), Settings, "scripts/benchmark");

        Assert.Contains("32 of them running at exactly 1,000/s wait 32 ms on average, so their p99 can be under 25 ms only well above 1,280/s", report, StringComparison.Ordinal);
        // At full load the p99 of 60 ms misses; at 1,000/s, 18 ms meets it.
        Assert.Contains("| `POST /jobs` | 1000 | 0 | 1200/s | 30.0 ms | 60.0 ms | 60.0 ms | 0.40×, 3.00× | ≥ 1,000/s, p99 < 25 ms | **not met** |", report, StringComparison.Ordinal);
        Assert.Contains("| `POST /jobs` | 1000 | 0 | 990/s | 9.0 ms | 18.0 ms | 18.0 ms | 2.00× | ≥ 1,000/s, p99 < 25 ms at 1,000/s | met | 18 ms |", report, StringComparison.Ordinal);
        Assert.Contains("| 990/s | 15.5 ms | 31.0 ms | 31.0 ms | 3.44× | ≥ 1,000/s, p99 < 25 ms at 1,000/s | **not met** | 31 ms |",
            BenchmarkReport.Markdown(WithRound(results, Round(1200, 31)), Settings, "scripts/benchmark"), StringComparison.Ordinal);
        // Quick at 1,000/s, but the clients as fast as they go reach 900/s only; or quick, but a call failed.
        Assert.Contains("| 990/s | 6.0 ms | 12.0 ms | 12.0 ms | 1.33× | ≥ 1,000/s, p99 < 25 ms at 1,000/s | **not met** |",
            BenchmarkReport.Markdown(WithRound(results, Round(900, 12)), Settings, "scripts/benchmark"), StringComparison.Ordinal);
        Assert.Contains("| `POST /jobs` | 1000 | 1 | 990/s | 6.0 ms | 12.0 ms | 12.0 ms | 1.33× | ≥ 1,000/s, p99 < 25 ms at 1,000/s | **not met** |",
            BenchmarkReport.Markdown(WithRound(results, Round(1200, 12, errorsAtRate: 1)), Settings, "scripts/benchmark"), StringComparison.Ordinal);

        // PostgreSQL's rounds keep their scheduled calls through api-rounds' file, judged both ways.
        var file = Path.GetTempFileName();
        await new DatabaseRounds("PostgreSQL", 1, "Npgsql's pool", [Round(1100, 20)]).WriteAsync(file, CancellationToken.None);
        var postgreSql = await DatabaseRounds.ReadAsync(file, CancellationToken.None);
        File.Delete(file);
        Assert.Contains("| PostgreSQL | 1 | `POST /jobs` | 1000 | 0 | 1100/s | 30.0 ms | 60.0 ms | 20.0 ms | 0.92×, 1.00× | ≥ 1,000/s, p99 < 25 ms | **not met** | met |",
            BenchmarkReport.Markdown(WithRound(results, Round(1200, 18)), Settings, "scripts/benchmark", [postgreSql]), StringComparison.Ordinal);

        // As SystemBenchmark reports a run: the round in the middle's phases, and every round.
        static SystemBenchmark.Results WithRound(SystemBenchmark.Results results, ApiBenchmark.Round round) =>
            results with { Create = round.Create, Submit = round.Submit, Read = round.Read, ApiRounds = [round] };
    }

    [Fact]
    public void The_time_from_an_upload_to_processing_is_judged_by_its_median_and_the_api_rounds_are_all_shown()
    {
        var fast = Results(10.2, 0.7, 11.8, 1500, 20) with { UploadToStartMilliseconds = [120, 700, 150, 90, 130] };
        var slow = fast with { UploadToStartMilliseconds = [900, 450, 650, 700, 800] };
        var rounds = fast with
        {
            ApiRounds =
            [
                new ApiBenchmark.Round(fast.Create, fast.Submit, fast.Read),
                new ApiBenchmark.Round(fast.Create, fast.Submit with { PerSecond = 1200, LatencyMilliseconds = new Distribution(10, 9, 12, 31, 40) }, fast.Read),
            ],
        };

        Assert.Contains("| 130 ms | runs (ms): 120 700 150 90 130 | median ≤ 500 ms | met |", BenchmarkReport.Markdown(fast, Settings, "scripts/benchmark"), StringComparison.Ordinal);
        Assert.Contains("| 700 ms | runs (ms): 900 450 650 700 800 | median ≤ 500 ms | **not met** |", BenchmarkReport.Markdown(slow, Settings, "scripts/benchmark"), StringComparison.Ordinal);
        Assert.Contains("| met | 1500/s, 20 ms; 1200/s, 31 ms |", BenchmarkReport.Markdown(rounds, Settings, "scripts/benchmark"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_report_says_how_telemetry_and_the_workers_were_handled_during_the_api_rounds()
    {
        var withDashboard = BenchmarkReport.Markdown(Results(10.2, 0.7, 11.8, 1500, 20), Settings, "scripts/benchmark");
        var results = Results(10.2, 0.7, 11.8, 1500, 20);
        var isolated = BenchmarkReport.Markdown(results with
        {
            SharedApiRound = new ApiBenchmark.Round(
                results.Create with { PerSecond = 900, LatencyMilliseconds = new Distribution(30, 25, 60, 88, 120) },
                results.Submit with { PerSecond = 640 },
                results.Read with { PerSecond = 1700 }),
            TelemetryBytesPerSecond = 7_200_000,
        }, Settings, "scripts/benchmark");

        Assert.Contains("to the Aspire dashboard, on the same machine", withDashboard, StringComparison.Ordinal);
        Assert.DoesNotContain("paused (SIGSTOP)", withDashboard, StringComparison.Ordinal);
        Assert.Contains("sink in the load tool that counts and discards them", isolated, StringComparison.Ordinal);
        Assert.Contains("The workers are paused (SIGSTOP) during each call's phase of these rounds", isolated, StringComparison.Ordinal);
        // The round with the workers running is judged against the same target.
        Assert.Contains("`POST /upload/request` 900/s, p99 88 ms (not met); `POST /jobs` 640/s", isolated, StringComparison.Ordinal);
        // What shares the cores follows from how the run was made.
        Assert.Contains("The load generator, the broker and the storage stand-in share the same cores", isolated, StringComparison.Ordinal);
        Assert.Contains("the workers (rejecting the benchmark's text-file \"videos\") and the Aspire dashboard receiving every span share", withDashboard, StringComparison.Ordinal);
        Assert.Contains("`GET /jobs/{id}` 1700/s", isolated, StringComparison.Ordinal);
        Assert.Contains("exported 7.2 MB/s of telemetry", isolated, StringComparison.Ordinal);
    }

    [Fact]
    public void The_warm_up_round_is_reported_apart_and_not_judged()
    {
        var results = Results(10.2, 0.7, 11.8, 1500, 20);
        var withoutWarmUp = BenchmarkReport.Markdown(results, Settings, "scripts/benchmark");
        var warmedUp = BenchmarkReport.Markdown(results with
        {
            ApiWarmUp = new ApiBenchmark.Round(
                results.Create with { PerSecond = 1014, LatencyMilliseconds = new Distribution(29, 14, 53, 355, 434) },
                results.Submit with { PerSecond = 1381 },
                results.Read with { PerSecond = 9882 }),
        }, Settings, "scripts/benchmark");

        Assert.DoesNotContain("not judged (a warm-up", withoutWarmUp, StringComparison.Ordinal);
        Assert.Contains("A shorter round ran first and is not judged (a warm-up: 3000 job creations, 30 submissions, 10 s of reads)", warmedUp, StringComparison.Ordinal);
        Assert.Contains("`POST /upload/request` 1014/s, p99 355 ms; `POST /jobs` 1381/s", warmedUp, StringComparison.Ordinal);
        // Judged on the rounds alone: the warm-up's 355 ms is in no target's line.
        Assert.DoesNotContain("355 ms (not met)", warmedUp, StringComparison.Ordinal);
        Assert.Contains("at most 200 calls of each write", warmedUp, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_is_judged_per_process_the_worker_idle_and_the_api_at_its_peak_both_flat_with_input_size()
    {
        var results = Results(10.2, 0.7, 11.8, 1500, 20) with
        {
            MemoryIdleMebibytes = new Dictionary<string, double> { ["api"] = 150, ["worker"] = 110 },
            MemorySmallMebibytes = new Dictionary<string, double> { ["api"] = 240, ["worker"] = 300 },
            MemoryLargeMebibytes = new Dictionary<string, double> { ["api"] = 241, ["worker"] = 420 },
            LargeInputMegabytes = 1024,
        };

        var report = BenchmarkReport.Markdown(results, Settings, "scripts/benchmark");

        Assert.Contains("| api | 150 MiB | 240 MiB | 241 MiB | 1.00× | peak ≤ 200 MiB, flat with input size | **not met** |", report, StringComparison.Ordinal);
        // Idle within its limit, but 40 % more for the large job: not flat.
        Assert.Contains("| worker | 110 MiB | 300 MiB | 420 MiB | 1.40× | idle ≤ 150 MiB, flat with input size | **not met** |", report, StringComparison.Ordinal);
        var flat = BenchmarkReport.Markdown(results with { MemoryLargeMebibytes = new Dictionary<string, double> { ["api"] = 241, ["worker"] = 310 } }, Settings, "scripts/benchmark");
        Assert.Contains("| 1.03× | idle ≤ 150 MiB, flat with input size | met |", flat, StringComparison.Ordinal);
    }

    [Fact]
    public void The_wait_for_upload_events_before_submissions_is_reported_at_its_longest_and_any_event_not_seen_is_counted()
    {
        var read = new ApiBenchmark.Phase("GET /jobs/{id}", 20000, 0, 10, 2000, new Distribution(10, 8, 15, 40, 60));
        ApiBenchmark.Round Round(UploadEventsRecorded.Wait submitted, UploadEventsRecorded.Wait onSchedule)
        {
            var submit = new ApiBenchmark.Phase("POST /jobs", 1000, 0, 1, 1000, new Distribution(30, 28, 40, 50, 60), submitted);
            return new ApiBenchmark.Round(read with { Call = "POST /upload/request" }, submit, read,
                new ApiBenchmark.PacedRound(1000, read with { Call = "POST /upload/request" }, submit with { UploadEvents = onSchedule }, read));
        }

        var allSeen = BenchmarkReport.EventsBeforeSubmissions([Round(new(1000, 0, 0.4), new(1000, 0, 0.9)), Round(new(1000, 0, 0.3), new(1000, 0, 0.5))]);
        var someMissing = BenchmarkReport.EventsBeforeSubmissions([Round(new(1000, 0, 0.4), new(1000, 7, 60.2))]);

        // The longest of all four phases' waits, not the middle round's.
        Assert.Contains("of its 1000 uploads (read back as each job's `uploaded_at`): at most 0.9 s after the last upload's answer, over 4 phases.", allSeen, StringComparison.Ordinal);
        Assert.Contains("or after 60 s: over 2 phases, 7 of 2000 uploads were not seen recorded by then", someMissing, StringComparison.Ordinal);
        // A round measured without the wait says nothing of it.
        Assert.Equal("", BenchmarkReport.EventsBeforeSubmissions([new ApiBenchmark.Round(read, read, read)]));
    }
}
