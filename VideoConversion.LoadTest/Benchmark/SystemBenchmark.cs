using System.Text.Json.Serialization;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Inputs;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Puts the running system next to the physical floor, with the same inputs, on this machine, in
/// one run: the worker's FFmpeg command run directly (one at a time, and as many at once as there
/// are workers), against the same jobs through upload, queue, worker and storage.
/// </summary>
/// <param name="telemetry">Where the services export their telemetry, if to the benchmark (not to the Aspire dashboard).</param>
public sealed class SystemBenchmark(BenchmarkSettings settings, VideoConversionClient client, IRunDisplay display, TelemetrySink? telemetry = null)
{
    public sealed record Results(
        string Machine,
        IReadOnlyList<double> RawTranscodeRuns,
        IReadOnlyList<double> RawRemuxRuns,
        IReadOnlyList<double> SystemTranscodeRuns,
        IReadOnlyList<double> SystemRemuxRuns,
        double RawTranscodeSeconds,
        double RawRemuxSeconds,
        double RawThroughputPerMinute,
        double SystemTranscodeSeconds,
        double SystemRemuxSeconds,
        double SystemThroughputPerMinute,
        double InputMegabytes,
        IReadOnlyDictionary<string, double> MemorySmallMebibytes,
        IReadOnlyDictionary<string, double>? MemoryLargeMebibytes,
        double? LargeInputMegabytes,
        ApiBenchmark.Phase Create,
        ApiBenchmark.Phase Submit,
        ApiBenchmark.Phase Read,
        ApiBenchmark.Anatomy SubmitAnatomy,
        double StorageRoundTripMilliseconds,
        double FFprobeSeconds,
        Distribution? SqliteCommitMilliseconds = null,
        IReadOnlyList<double>? UploadToStartMilliseconds = null,
        IReadOnlyList<ApiBenchmark.Round>? ApiRounds = null,
        IReadOnlyDictionary<string, double>? MemoryIdleMebibytes = null,
        ApiBenchmark.Round? SharedApiRound = null,
        double? TelemetryBytesPerSecond = null,
        OutputsMeasurement? Outputs = null,
        UploadBenchmark.Measurement? Uploads = null,
        JobTimeBreakdown? RemuxBreakdown = null,
        IReadOnlyList<double>? RawThroughputRuns = null,
        IReadOnlyList<double>? SystemThroughputRuns = null,
        ApiBenchmark.Round? ApiWarmUp = null,
        CpuMeasurement? Cpu = null,
        double? IdleWorkerConsumers = null,
        CoresMeasurement? Cores = null,
        JobTimeBreakdown? TranscodeBreakdown = null,
        IReadOnlyList<string>? SystemTranscodeJobs = null,
        int? ProcessorCount = null)
    {
        /// <summary>The cores of the machine the run measured (a report written again elsewhere names those, not its own).</summary>
        [JsonIgnore]
        public int MachineCores => ProcessorCount ?? Environment.ProcessorCount;

        /// <summary>Every API round measured; a run reporting one round only has the one its phases make.</summary>
        [JsonIgnore]
        public IReadOnlyList<ApiBenchmark.Round> AllApiRounds => ApiRounds ?? [new ApiBenchmark.Round(Create, Submit, Read)];
    }

    /// <summary>Jobs that make every output (per job, raw and the system), and an HLS ladder made both ways by raw FFmpeg.</summary>
    /// <param name="LadderOneDecodeRuns">The worker's one FFmpeg for the whole ladder, each run's seconds.</param>
    /// <param name="LadderSeparateRuns">One FFmpeg per rendition, all of a run's seconds together.</param>
    public sealed record OutputsMeasurement(
        IReadOnlyList<double> RawRuns, IReadOnlyList<double> SystemRuns,
        IReadOnlyList<double> LadderOneDecodeRuns, IReadOnlyList<double> LadderSeparateRuns, IReadOnlyList<string> Renditions);

    /// <summary>
    /// Raw FFmpeg's CPU time, in seconds: what the benchmark's FFmpeg and the ffprobe it runs on its input used (this tool's
    /// child processes), the same commands a job runs. The system's is in <see cref="CoresMeasurement"/>: its workers'
    /// children converting, per run.
    /// </summary>
    /// <param name="RawTranscodeRuns">Each per-job transcode's.</param>
    /// <param name="RawThroughputPerJob">Each throughput run's, divided by its jobs.</param>
    public sealed record CpuMeasurement(IReadOnlyList<double> RawTranscodeRuns, IReadOnlyList<double> RawThroughputPerJob);

    /// <summary>
    /// Where the cores' time went while each per-job transcode and each throughput run was timed, per job, raw and in the
    /// system. The system's lists hold one entry per run, in the raw runs' order, null where its workers could not be read
    /// (not all found, or one ended on the way), so the runs read can still be paired with the raw runs before them.
    /// </summary>
    public sealed record CoresMeasurement(
        IReadOnlyList<CoresTime> RawTranscodeRuns, IReadOnlyList<CoresTime?> SystemTranscodeRuns,
        IReadOnlyList<CoresTime> RawThroughputPerJob, IReadOnlyList<CoresTime?> SystemThroughputPerJob);

    /// <summary>Remuxes timed per run, each against a raw run: the remux's median and spread rest on this many times the runs.</summary>
    public const int RemuxPairsPerRun = 5;

    /// <summary>
    /// How often the benchmark's clients ask for their job's state: a client's usual pace, not the `run` command's close
    /// watch. Each request is work of the API and the load tool on the cores the jobs are timed on (a throughput run's 4
    /// jobs, polled every 250 ms each from its upload to its outcome, asked hundreds of times a run); the judged times come
    /// from the jobs' own timestamps, which polling does not move. The cores' clock stops when the client sees the last
    /// outcome: up to a poll's wait of idle cores at each system run's end.
    /// </summary>
    public const int PollMilliseconds = 1000;

    /// <summary>Every output a job can make, as a job names them.</summary>
    public static readonly IReadOnlyList<string> AllOutputs = ["mp4", "hls", "poster", "storyboard"];

    private static readonly IReadOnlyDictionary<string, string> Services = new Dictionary<string, string>
    {
        ["api"] = "/VideoConversion.Api",
        ["worker"] = "/VideoConversion.Worker",
    };

    public async Task<Results> RunAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        // Checked before the long measurements, not after them.
        if (settings.ApiDuration > ApiBenchmark.LongestDuration)
        {
            throw new LoadTestException($"--api-duration is at most {Math.Floor(ApiBenchmark.LongestDuration.TotalSeconds):F0} s: the workers are paused for each call's phase, and a longer pause would outlast the broker's heartbeat timeout.");
        }

        await ApiSideTimes.CheckAsync(settings.Api, cancellationToken);

        var machine = await MachineInfo.DescribeAsync(cancellationToken);
        var inputs = Path.Combine(settings.WorkDirectory, "inputs");
        progress("generating inputs with FFmpeg");
        var transcode = await GeneratedInputs.CreateAsync(inputs, "transcode", settings.InputSeconds, cancellationToken);
        var remux = await GeneratedInputs.CreateAsync(inputs, "remux", settings.InputSeconds, cancellationToken);

        var raw = new RawFFmpeg(settings.WorkerBinary, Directory.CreateDirectory(Path.Combine(settings.WorkDirectory, "raw")).FullName, PartOf);
        // A worker's first job compiles its code (1.8 s of CPU on the 2-core machine) and the API's first reports theirs:
        // once per process, not per job.
        progress($"warming the system up: {settings.Workers} transcodes at once, as many as there are workers (not judged)");
        await RunJobsAsync("benchmark-warm-up", transcode, settings.Workers, settings.Workers, cancellationToken);
        // Raw and system runs alternate, so a slow moment of a shared machine falls on both sides.
        List<double> rawTranscodeRuns = [], rawRemuxRuns = [], systemTranscodeRuns = [], systemRemuxRuns = [];
        List<double> rawTranscodeCpu = [], rawThroughputCpu = [];
        List<CoresTime> rawTranscodeCores = [], rawThroughputCores = [];
        List<CoresTime?> systemTranscodeCores = [], systemThroughputCores = [];
        List<string> systemTranscodeJobs = [];
        // The per-job jobs' spans are kept for the breakdowns of a remux and a transcode: recording stops after the next phase, minutes
        // later, when the last remux's spans have long been exported (every 5 s). Only the bodies are kept meanwhile.
        telemetry?.StartRecording();
        for (var run = 1; run <= settings.JobRuns; run++)
        {
            progress($"per job, run {run} of {settings.JobRuns}: raw FFmpeg and the system, transcode and remux");
            var rawTranscode = await raw.RunAsync(transcode, 1, 1, cancellationToken);
            rawTranscodeRuns.AddRange(rawTranscode.Runs);
            rawTranscodeCpu.Add(rawTranscode.CpuSeconds);
            rawTranscodeCores.Add(rawTranscode.Cores);
            var (systemTranscode, systemCores) = await RunJobsWithCpuAsync("benchmark-transcode", transcode, 1, cancellationToken);
            systemTranscodeRuns.AddRange(ServerSeconds(systemTranscode));
            systemTranscodeJobs.AddRange(systemTranscode.Jobs.Select(job => job.JobId));
            systemTranscodeCores.Add(systemCores);
            // A remux takes well under a second, as long as the machine's hiccups: more of them, for the same confidence.
            for (var pair = 0; pair < RemuxPairsPerRun; pair++)
            {
                rawRemuxRuns.AddRange((await raw.RunAsync(remux, 1, 1, cancellationToken)).Runs);
                systemRemuxRuns.AddRange(ServerSeconds(await RunJobsAsync("benchmark-remux", remux, 1, 1, cancellationToken)));
            }
        }

        progress("every output a job can make: raw FFmpeg and the system, and an HLS ladder from one decode against a run per rendition");
        List<double> rawAllRuns = [], systemAllRuns = [], ladderOne = [], ladderSeparate = [];
        IReadOnlyList<string> renditions = [];
        for (var run = 1; run <= settings.Runs; run++)
        {
            rawAllRuns.AddRange((await raw.RunAsync(transcode, 1, 1, cancellationToken, string.Join(',', AllOutputs))).Runs);
            systemAllRuns.AddRange(ServerSeconds(await RunJobsAsync("benchmark-outputs", transcode, 1, 1, cancellationToken, AllOutputs)));
            var ladder = await raw.LadderAsync(transcode, cancellationToken);
            ladderOne.Add(ladder.OneDecode);
            ladderSeparate.Add(ladder.SeparateRuns);
            renditions = ladder.Renditions;
        }

        var recorded = telemetry?.StopRecording();
        JobTimeBreakdown? remuxBreakdown = null, transcodeBreakdown = null;
        if (recorded is (var spans, var unreadExports))
        {
            remuxBreakdown = JobTimeBreakdown.Of(spans, "remux", unreadExports);
            // The per-job transcodes' only: every-output jobs transcode too.
            transcodeBreakdown = JobTimeBreakdown.Of(spans, "transcode", unreadExports, systemTranscodeJobs.ToHashSet());
        }

        progress("from an upload's landing to PROCESSING, a worker free, one job at a time");
        var uploadToStart = await UploadToStart.MeasureAsync(client, remux, Math.Max(5, settings.Runs * 3), cancellationToken);

        var idleWorkerConsumers = await IdleWorkerConsumersAsync(cancellationToken);

        // Each side once per run, alternated: one sample a side swung by more than the target between full runs (99 %, 88 %).
        List<double> rawThroughputRuns = [], systemThroughputRuns = [];
        for (var run = 1; run <= settings.JobRuns; run++)
        {
            progress($"throughput with every worker busy, run {run} of {settings.JobRuns}: raw FFmpeg, then the system");
            var rawParallel = await raw.RunAsync(transcode, settings.ThroughputJobs, settings.Workers, cancellationToken);
            rawThroughputRuns.Add(settings.ThroughputJobs / rawParallel.Total * 60);
            rawThroughputCpu.Add(rawParallel.CpuSeconds / settings.ThroughputJobs);
            rawThroughputCores.Add(rawParallel.Cores.Per(settings.ThroughputJobs));
            var (systemParallel, systemCores) = await RunJobsWithCpuAsync("benchmark-throughput", transcode, settings.ThroughputJobs, cancellationToken);
            systemThroughputRuns.Add(Throughput(systemParallel));
            systemThroughputCores.Add(systemCores?.Per(settings.ThroughputJobs));
        }

        progress("memory of the API and the workers: idle, during a 10 MB job, then during a large one");
        var idle = await IdleMemoryAsync(cancellationToken);
        var small = await PeakMemoryAsync(transcode, cancellationToken);
        IReadOnlyDictionary<string, double>? large = null;
        double? largeMegabytes = null;
        if (settings.BigFileMegabytes > 0)
        {
            var big = await GeneratedInputs.CreateLargeAsync(inputs, settings.BigFileMegabytes, cancellationToken);
            largeMegabytes = new FileInfo(big).Length / 1048576.0;
            large = await PeakMemoryAsync(big, cancellationToken);
        }

        progress("what one storage request and one ffprobe cost here");
        var storageRoundTrip = await StorageRoundTripAsync(cancellationToken);
        var ffprobe = await FFprobeSecondsAsync(remux, cancellationToken);
        Distribution? commit = null;
        if (settings.DatabaseDirectory is { } databaseDirectory)
        {
            progress("what a bare SQLite commit costs on the database's filesystem");
            commit = await SqliteCommitFloor.MeasureAsync(databaseDirectory, cancellationToken);
        }

        var uploads = await UploadsAsync(inputs, progress, cancellationToken);

        var apiBenchmark = new ApiBenchmark(settings.Api, settings.ApiConcurrency, settings.ApiDuration, settings.ApiMaxJobs, StartCoresClockAsync);
        var anatomy = await apiBenchmark.AnatomyAsync(cancellationToken);
        List<ApiBenchmark.Round> rounds = [];
        // Only the system's own workers, as many as it runs.
        var workerExecutable = settings.SystemWorkerExecutable;
        progress($"the API, warm-up (not judged): at most {Math.Min(ApiBenchmark.WarmUpJobs, settings.ApiMaxJobs)} calls of each write, the workers paused");
        var warmUp = await apiBenchmark.WarmUpAsync(cancellationToken,
            async token => await PausedWorkers.PauseAsync(workerExecutable, settings.SystemWorkersUnder, settings.Workers, token), QueueEmptiedAsync);
        await QueueEmptiedAsync(cancellationToken);
        long exportedBytes = 0;
        var apiSeconds = 0.0;
        for (var round = 1; round <= settings.Runs; round++)
        {
            progress($"the API, round {round} of {settings.Runs}: {settings.ApiConcurrency} concurrent clients, up to {settings.ApiDuration.TotalSeconds:F0} s per call, the workers paused");
            var exportedBefore = telemetry?.ReceivedBytes ?? 0;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            // The telemetry's rate is the rounds' own, roughly: the settling between phases (the workers' jobs) is left out,
            // though spans are exported every few seconds, so a phase's last ones may fall in it and be left out too.
            var settlingSeconds = 0.0;
            long settlingBytes = 0;
            rounds.Add(await apiBenchmark.RunAsync(cancellationToken,
                async token => await PausedWorkers.PauseAsync(workerExecutable, settings.SystemWorkersUnder, settings.Workers, token),
                async token =>
                {
                    var settlingFrom = System.Diagnostics.Stopwatch.GetTimestamp();
                    var bytesFrom = telemetry?.ReceivedBytes ?? 0;
                    await QueueEmptiedAsync(token);
                    settlingSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(settlingFrom).TotalSeconds;
                    settlingBytes += (telemetry?.ReceivedBytes ?? 0) - bytesFrom;
                }));
            apiSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds - settlingSeconds;
            exportedBytes += (telemetry?.ReceivedBytes ?? 0) - exportedBefore - settlingBytes;
            // Each round on a settled system: the workers done with the last round's jobs, and their reports applied.
            await QueueEmptiedAsync(cancellationToken);
        }

        double? telemetryBytesPerSecond = telemetry is null ? null : exportedBytes / apiSeconds;
        progress("the API once more, the workers rejecting the round's jobs on the same cores meanwhile");
        // The mixed case: the submissions meet the workers' reports and the recording of their uploads' events.
        var shared = await apiBenchmark.RunAsync(cancellationToken, awaitUploadEvents: false);
        await QueueEmptiedAsync(cancellationToken);

        // The round in the middle by submissions a second stands for the run; every round's numbers give the spread.
        var (create, submit, read, _) = ApiBenchmark.Round.Middle(rounds);

        return new Results(machine, rawTranscodeRuns, rawRemuxRuns, systemTranscodeRuns, systemRemuxRuns,
            Percentiles.Median(rawTranscodeRuns), Percentiles.Median(rawRemuxRuns), Percentiles.Median(rawThroughputRuns),
            Percentiles.Median(systemTranscodeRuns), Percentiles.Median(systemRemuxRuns), Percentiles.Median(systemThroughputRuns), new FileInfo(transcode).Length / 1048576.0,
            small, large, largeMegabytes, create, submit, read, anatomy, storageRoundTrip, ffprobe, commit, uploadToStart, rounds, idle,
            shared, telemetryBytesPerSecond, new OutputsMeasurement(rawAllRuns, systemAllRuns, ladderOne, ladderSeparate, renditions), uploads,
            remuxBreakdown, rawThroughputRuns, systemThroughputRuns, warmUp,
            new CpuMeasurement(rawTranscodeCpu, rawThroughputCpu), idleWorkerConsumers,
            new CoresMeasurement(rawTranscodeCores, systemTranscodeCores, rawThroughputCores, systemThroughputCores),
            transcodeBreakdown, systemTranscodeJobs, Environment.ProcessorCount);
    }

    /// <summary>Uploads over loopback: one PUT against parts, alternated; then parts with the connection cut. Null when both are skipped.</summary>
    private async Task<UploadBenchmark.Measurement?> UploadsAsync(string inputs, Action<string> progress, CancellationToken cancellationToken)
    {
        if (settings.UploadMegabytes <= 0 && settings.CutUploadMegabytes <= 0)
        {
            return null;
        }

        var uploads = new UploadBenchmark(client, inputs);
        UploadBenchmark.Throughput? throughput = null;
        if (settings.UploadMegabytes > 0)
        {
            progress($"uploads: {settings.UploadMegabytes} MiB in one PUT and in parts ({UploadBenchmark.PartsInFlight} at once), alternated, {settings.Runs} round(s)");
            throughput = await uploads.ThroughputAsync(settings.UploadMegabytes, settings.Runs, cancellationToken);
        }

        UploadBenchmark.Resilience? resilience = null;
        if (settings.CutUploadMegabytes > 0)
        {
            progress($"uploads: {settings.CutUploadMegabytes} MiB in parts, its connection to storage cut twice on the way");
            resilience = await uploads.ResilienceAsync(settings.CutUploadMegabytes, cancellationToken);
            // The cut upload's job was submitted to check its input, then deleted: the next phase finds the workers idle.
            await QueueEmptiedAsync(cancellationToken);
        }

        return new UploadBenchmark.Measurement(throughput, resilience);
    }

    /// <summary>
    /// The consumers of video_jobs while the workers idle: each worker is attached through one per slot, which says whether
    /// it takes its next job while one converts. Read once the API's queue monitor (every 5 s) has asked the broker since the
    /// last job ended, when a slot may have been between its acknowledgement and its attaching again; read again for a while
    /// should the count be neither one slot per worker nor two (a slot whose attaching failed tries again every 2 s).
    /// </summary>
    private async Task<double?> IdleWorkerConsumersAsync(CancellationToken cancellationToken)
    {
        if (!client.ReadsQueue)
        {
            return null;
        }

        await Task.Delay(TimeSpan.FromSeconds(6), cancellationToken);
        var consumers = (await client.ReadQueueAsync(cancellationToken)).Workers;
        for (var reads = 1; reads < 10 && consumers != settings.Workers && consumers != 2 * settings.Workers; reads++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            consumers = (await client.ReadQueueAsync(cancellationToken)).Workers;
        }

        return consumers;
    }

    private Task QueueEmptiedAsync(CancellationToken cancellationToken) => QueueSettling.WaitAsync(client, cancellationToken);

    /// <summary>Median time of one request to the storage server the clients use (a HEAD, answered without touching an object).</summary>
    private async Task<double> StorageRoundTripAsync(CancellationToken cancellationToken)
    {
        var (_, url) = await client.RequestUploadAsync("probe.mp4", "video/mp4", sizeBytes: null, cancellationToken);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        // MinIO's liveness path, which the stand-in answers too: the only request either serves unsigned.
        var origin = new Uri(url.GetLeftPart(UriPartial.Authority) + "/minio/health/live");
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Head, origin);
            using var response = await http.SendAsync(request, cancellationToken);
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return Percentiles.Median(times);
    }

    /// <summary>Median time of the ffprobe a worker runs before and after each conversion.</summary>
    private static async Task<double> FFprobeSecondsAsync(string input, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await Processes.ProcessTools.RunAsync("ffprobe", ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", input], cancellationToken);
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        return Percentiles.Median(times);
    }

    /// <summary>How the benchmark's clients run its jobs: without the timeline's sampling, polling at a client's usual pace.</summary>
    public static RunSettings JobsRun(BenchmarkSettings settings, string input, int jobs, int concurrency, IReadOnlyList<string>? outputs = null) =>
        new(settings.Api, jobs, concurrency, [input], TimeSpan.FromHours(1), settings.WorkDirectory, outputs,
            SampleTimeline: false, PollMilliseconds: PollMilliseconds);

    private async Task<RunResult> RunJobsAsync(
        string name, string input, int jobs, int concurrency, CancellationToken cancellationToken, IReadOnlyList<string>? outputs = null)
    {
        var run = JobsRun(settings, input, jobs, concurrency, outputs);
        var result = await new LoadRun(client, run, display).RunAsync(name, null, cancellationToken);
        var failed = result.Jobs.Where(job => !job.Succeeded).ToList();
        return failed.Count == 0
            ? result
            : throw new LoadTestException($"{name}: {failed.Count} of {jobs} jobs did not succeed ({failed[0].Error}); no numbers from a failing system.");
    }

    /// <summary>
    /// <paramref name="jobs"/> jobs all at once, and where the cores' time went meanwhile, the CPU time the system's workers'
    /// children used (their FFmpeg) among it: null when the system's workers are not all found on this machine, or one of
    /// them ended on the way.
    /// </summary>
    private async Task<(RunResult Run, CoresTime? Cores)> RunJobsWithCpuAsync(string name, string input, int jobs, CancellationToken cancellationToken)
    {
        var cores = await StartCoresClockAsync(cancellationToken);
        var run = await RunJobsAsync(name, input, jobs, jobs, cancellationToken);
        // A worker's FFmpeg has been waited for when its job is done: the job's outcome follows the output's upload.
        return (run, cores?.Stop());
    }

    /// <summary>The clock of where the cores go, this system's workers' children counted as converting (<see cref="CoresClock.StartWithWorkersAsync"/>).</summary>
    private Task<CoresClock?> StartCoresClockAsync(CancellationToken cancellationToken) =>
        CoresClock.StartWithWorkersAsync(PartOf, settings.SystemWorkerExecutable, settings.SystemWorkersUnder, settings.Workers, cancellationToken);

    /// <summary>
    /// The part of the system a process is, for the cores' time; of the workers, only this system's (below
    /// <see cref="BenchmarkSettings.SystemWorkersUnder"/> where given, as for pausing them): other systems of the same build
    /// may run on the machine, as in the tests.
    /// </summary>
    private string? PartOf(int pid) => SystemParts.Of(pid) switch
    {
        SystemParts.Workers when settings.SystemWorkersUnder is { } under && !ProcessAncestry.IsBelow(pid, under) => null,
        var part => part,
    };

    /// <summary>Per job, as the job records it: from its submission (the API took it up once storage announced its upload) until the outcome its worker reported.</summary>
    private static IEnumerable<double> ServerSeconds(RunResult run) =>
        run.Jobs.Select(job => (job.QueueWaitSeconds ?? 0) + (job.ProcessingSeconds ?? 0));

    /// <summary>
    /// Jobs a minute from the first job's submission to the last one's outcome, as the jobs record them (`submitted_at`: the
    /// API submitted the job once it found its upload landed; `finished_at`: stamped by its worker as it reports the
    /// outcome), as the per-job times are: neither the client's first upload before it, nor the outcome report's way to the
    /// API, nor the client's polling after counts as the system's. Runs before 2026-12-06 were timed by the client, polling
    /// every 250 ms.
    /// </summary>
    /// <exception cref="LoadTestException">A job lacks either time, or the machine's clock stepped during the run (the time
    /// of day moved apart from the client's monotonic clock, or the jobs' span outlasts the client's run): no number from them.</exception>
    public static double Throughput(RunResult run)
    {
        if (run.Jobs.Count == 0 || run.Jobs.Any(job => job.SubmittedAt is null || job.JobFinishedAt is null))
        {
            throw new LoadTestException($"{run.Command}: a job without its submission or outcome time; the throughput is timed by them.");
        }

        var seconds = (run.Jobs.Max(job => job.JobFinishedAt!.Value) - run.Jobs.Min(job => job.SubmittedAt!.Value)).TotalSeconds;
        // The jobs' times are the machine's time of day; the client's run is timed by a monotonic clock, and it also noted
        // the time of day at its start and as it saw each outcome. A step of the time of day either way parts the two; a
        // second's slack for the moments between the readings.
        var clientTimeOfDay = (run.Jobs.Max(job => job.FinishedAt) - run.StartedAt).TotalSeconds;
        if (seconds <= 0 || seconds > run.WallSeconds + 1 || Math.Abs(clientTimeOfDay - run.WallSeconds) > 1)
        {
            throw new LoadTestException(
                $"{run.Command}: the jobs' times span {seconds:F2} s and the client saw its outcomes {clientTimeOfDay:F2} s after its start by the time of day, against the client's own {run.WallSeconds:F2} s: the machine's clock stepped during the run.");
        }

        return run.Jobs.Count / seconds * 60;
    }

    /// <summary>With no job in the system, after the jobs before have settled: what each process holds between jobs.</summary>
    private static async Task<IReadOnlyDictionary<string, double>> IdleMemoryAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var sampler = new MemorySampler(Services);
        await using (sampler)
        {
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
        }

        return sampler.PeakMebibytes;
    }

    private async Task<IReadOnlyDictionary<string, double>> PeakMemoryAsync(string input, CancellationToken cancellationToken)
    {
        var sampler = new MemorySampler(Services);
        await using (sampler)
        {
            await RunJobsAsync("benchmark-memory", input, 1, 1, cancellationToken);
        }

        return sampler.PeakMebibytes;
    }

}
