using System.Globalization;
using VideoConversion.LoadTest.Reports;
using VideoConversion.LoadTest.Runs;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>docs/BENCHMARKS.md: the machine, the numbers, their ratios to the floor, and each target met or not.</summary>
public static class BenchmarkReport
{
    /// <param name="otherDatabases">The API's rounds on other systems (PostgreSQL, one or more replicas), set next to this run's.</param>
    /// <param name="measuredOn">The day the run measured; today when not given.</param>
    public static string Markdown(
        SystemBenchmark.Results results, BenchmarkSettings settings, string command, IReadOnlyList<DatabaseRounds>? otherDatabases = null, DateOnly? measuredOn = null)
    {
        var report = new MarkdownText();
        var ratios = new Ratios(results);
        report.Heading("Benchmarks", level: 1);
        WriteSetup(report, results, settings, command, measuredOn ?? DateOnly.FromDateTime(DateTime.UtcNow));
        WritePipeline(report, results, settings, ratios);
        WriteRemuxBreakdown(report, results);
        WriteTranscodeBreakdown(report, results);
        if (results.Cores is { } cores)
        {
            CoresReport.Write(report, cores, settings.Workers);
        }

        WriteOutputs(report, results, settings);
        WriteApi(report, results, settings);
        if (otherDatabases is { Count: > 0 })
        {
            DatabaseReport.Write(report, results, settings, otherDatabases);
        }

        WriteMemory(report, results);
        if (results.Uploads is { } uploads)
        {
            UploadReport.Write(report, uploads);
        }

        WriteLimits(report, results, settings, ratios);
        return report.ToString();
    }

    /// <summary>The system against the floor: the overheads the targets are stated in.</summary>
    private sealed record Ratios(double TranscodeOverhead, double RemuxOverheadSeconds, double Throughput)
    {
        public Ratios(SystemBenchmark.Results results)
            : this(
                (results.SystemTranscodeSeconds - results.RawTranscodeSeconds) / results.RawTranscodeSeconds,
                results.SystemRemuxSeconds - results.RawRemuxSeconds,
                results.SystemThroughputPerMinute / results.RawThroughputPerMinute)
        {
        }
    }

    private static void WriteSetup(MarkdownText report, SystemBenchmark.Results results, BenchmarkSettings settings, string command, DateOnly measuredOn)
    {
        report.Paragraph(
            $"Produced by `{command}` on {measuredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}; rerun it to measure your machine.",
            "A benchmark, not a test: nothing fails on these numbers.");
        report.Line($"- **Machine:** {results.Machine}");
        report.Line($"- **System:** the AppHost with {settings.Workers} worker processes (one per core), RabbitMQ, S3-compatible storage, " +
                    "all on this machine; the load tool as the client: while the per-job and throughput jobs are timed it asks the API " +
                    $"only for each job's upload URL and, {Number(SystemBenchmark.PollMilliseconds, "N0")} ms after each answer, its state, and PUTs its input to storage. " + WorkerSlots.Sentence(results.IdleWorkerConsumers, settings.Workers));
        report.Line(results.TelemetryBytesPerSecond is null
            ? "- **Telemetry:** to the Aspire dashboard, on the same machine: it ingests every span, log and metric on the cores measured here."
            : "- **Telemetry:** every service exports its traces, metrics and logs over OTLP, as to a collector, to a sink in the load tool " +
              "that counts and discards them, at the OpenTelemetry SDK's intervals as in a deployment (metrics every 60 s, spans every 5 s; " +
              "runs before 2026-12-03 exported each second, as Aspire sets it for its dashboard). The Aspire dashboard does not run: in a deployment telemetry is stored on other machines, " +
              "and on the 2-core machine of issue 19's measurements the dashboard indexing every span took 30–70 % of a core under the API's load.");
        report.Line($"- **Inputs:** {settings.InputSeconds} s of 720p30, {Number(results.InputMegabytes, "F1")} MB: " +
                    "MPEG-4 Part 2 + MP3 in AVI (transcoded) and H.264 + AAC in MP4 (remuxed), generated with FFmpeg.");
        report.Line(string.Join(' ',
            "- **Floor:** the exact FFmpeg command the worker runs for each input (its `plan` command prints it), run directly.",
            $"Per-job times are medians of {results.RawTranscodeRuns.Count} transcodes and {results.RawRemuxRuns.Count} remuxes run one at a time;",
            "the system's per-job time is from submission (the API taking the job up once storage announced its upload) to outcome (stamped by its worker as it reports it), as the job records them:",
            "queue, download, FFmpeg, output check, upload." +
            (results.RawThroughputRuns is { } throughputRuns
                ? $" Throughput is the median of {throughputRuns.Count} runs of each side, alternated; a raw run is timed from its first FFmpeg's start " +
                  "to its last one's end, a system run, as the per-job times are, from its first job's submission to its last job's outcome as the jobs " +
                  "record them (runs before 2026-12-06 were timed by the client, from its first upload to its polling seeing the last outcome)." : "") +
            $" Before them, {settings.Workers} transcodes at once warm the system up (not judged): each process's first job compiles its code" +
            " (runs before 2026-12-04 had no warm-up, and their first system run paid for it)."));
        report.Line();
    }

    /// <summary>Every output from one job, against raw FFmpeg, and the HLS ladder's one decode against a run per rendition.</summary>
    private static void WriteOutputs(MarkdownText report, SystemBenchmark.Results results, BenchmarkSettings settings)
    {
        if (results.Outputs is not { RawRuns.Count: > 0 } outputs)
        {
            return;
        }

        var raw = Percentiles.Median(outputs.RawRuns);
        var system = Percentiles.Median(outputs.SystemRuns);
        var oneDecode = Percentiles.Median(outputs.LadderOneDecodeRuns);
        var separate = Percentiles.Median(outputs.LadderSeparateRuns);
        report.Heading($"Outputs beyond the MP4, the {settings.InputSeconds} s transcode input");
        report.Paragraph(
            $"A job asking for every output (`{string.Join("`, `", SystemBenchmark.AllOutputs)}`) makes them in one FFmpeg run from one decode:",
            $"the MP4, the HLS renditions ({string.Join(", ", outputs.Renditions)}, with one audio rendition), the poster's candidates and the storyboard's thumbnails.",
            $"Medians of {outputs.RawRuns.Count} runs each.");
        report.TableRow("", "Raw FFmpeg", "System", "Ratio", "");
        report.TableRow("---", "---", "---", "---", "---");
        report.TableRow("Every output, per job", $"{Number(raw)} s", $"{Number(system)} s",
            $"{Number(system / raw, "F3")}× (overhead {Percent((system - raw) / raw)})",
            $"against the MP4 alone (the transcode above): {Number(raw / results.RawTranscodeSeconds, "F2")}× the raw time");
        report.TableRow($"HLS ladder, {outputs.Renditions.Count} renditions: one decode (the worker's way)", $"{Number(oneDecode)} s", "", "", "");
        report.TableRow("HLS ladder: one FFmpeg run per rendition", $"{Number(separate)} s", "",
            separate >= oneDecode ? $"one decode is {Number(separate / oneDecode, "F2")}× faster" : $"one decode takes {Number(oneDecode / separate, "F2")}× as long", "");
        report.Line();
        report.Paragraph(
            $"Runs (s): every output raw {string.Join(" ", outputs.RawRuns.Select(run => Number(run)))}, system {string.Join(" ", outputs.SystemRuns.Select(run => Number(run)))};",
            $"ladder one decode {string.Join(" ", outputs.LadderOneDecodeRuns.Select(run => Number(run)))}, a run per rendition {string.Join(" ", outputs.LadderSeparateRuns.Select(run => Number(run)))}.",
            "The system's per-job time adds to the raw run what the MP4's job adds (queue, download, checks, report) and, for the extra outputs,",
            "the HLS check (each rendition's init and first segment read back by ffprobe, every segment's boxes read in-process), the storyboard's",
            "sheets (a second, small FFmpeg over the thumbnails) and the upload of every segment, four at a time. The autoscaler weighs a job",
            $"asking for every output as 2.85 MP4 conversions (worker-scaling); measured here, its raw run took {Number(raw / results.RawTranscodeSeconds, "F2")}× the MP4's.");
    }

    /// <summary>The remux's spans: where the fixed cost of a job goes, which the remux shows whole.</summary>
    private static void WriteRemuxBreakdown(MarkdownText report, SystemBenchmark.Results results)
    {
        if (results.RemuxBreakdown is not { } breakdown)
        {
            return;
        }

        report.Heading("Where a remux's time goes");
        report.Paragraph(
            $"The spans of {breakdown.Jobs} of the {results.SystemRemuxRuns.Count} remux jobs above (those whose trace holds the worker's delivery and its FFmpeg),",
            "from their traces as the services exported them to the load tool's sink:",
            $"when each starts, counted from the worker's taking the job (`{JobTimeBreakdown.DeliverySpan}`; the spans before it, negative, are the upload's and its dispatch),",
            "and how long it lasts, medians over the jobs.",
            "Spans nest (a worker's delivery holds its download, FFmpeg, check and upload), so their lengths do not add up;",
            "a span that repeats in a trace (the worker's reports, say) is numbered, and the input's reading and the output check name how they read their file (`index`: its own index, in process, or `ffprobe`).",
            "A span the services dropped or exported late is missing, not estimated.");
        WriteStages(report, breakdown, sayUnread: true);
    }

    /// <summary>The per-job transcodes' spans: the stages of the remux's around a longer FFmpeg, with the transcode's input read its own way.</summary>
    private static void WriteTranscodeBreakdown(MarkdownText report, SystemBenchmark.Results results)
    {
        if (results.TranscodeBreakdown is not { } breakdown)
        {
            return;
        }

        report.Heading("Where a transcode's time goes");
        report.Paragraph(
            $"The same for {breakdown.Jobs} of the {results.SystemTranscodeRuns.Count} per-job transcodes above (the jobs making every output are left out),",
            "from the same recording. Each job's FFmpeg against the raw run before it is under \"What limits these numbers\".");
        // The recording's unread exports are said once, with the remux's spans, when those were written.
        WriteStages(report, breakdown, sayUnread: results.RemuxBreakdown is null);
    }

    /// <summary>A breakdown's table: each span's start, counted from the worker's taking the job, and length, medians over the jobs.</summary>
    private static void WriteStages(MarkdownText report, JobTimeBreakdown breakdown, bool sayUnread)
    {
        if (sayUnread && breakdown.UnreadExports > 0)
        {
            report.Paragraph($"{breakdown.UnreadExports} trace export(s) received while recording could not be read; their spans are missing.");
        }

        report.TableRow("Span", "Service", "Starts (ms)", "Lasts (ms)", "Jobs");
        report.TableRow("---", "---", "---", "---", "---");
        foreach (var stage in breakdown.Stages)
        {
            report.TableRow(stage.Occurrence > 1 ? $"{stage.Name} ({stage.Occurrence})" : stage.Name, stage.Service,
                Number(stage.StartsMilliseconds, "F1"), Number(stage.LastsMilliseconds, "F1"), $"{stage.Jobs}");
        }

        report.Line();
    }

    private static void WritePipeline(MarkdownText report, SystemBenchmark.Results results, BenchmarkSettings settings, Ratios ratios)
    {
        report.TableRow("", "Raw FFmpeg", "System", "Ratio", "Target", "");
        report.TableRow("---", "---", "---", "---", "---", "---");
        report.TableRow(
            "Transcode, per job", $"{Number(results.RawTranscodeSeconds)} s", $"{Number(results.SystemTranscodeSeconds)} s",
            $"{Number(results.SystemTranscodeSeconds / results.RawTranscodeSeconds, "F3")}× (overhead {Percent(ratios.TranscodeOverhead)})",
            "overhead ≤ 5%", Met(ratios.TranscodeOverhead <= 0.05));
        report.TableRow(
            "Remux, per job", $"{Number(results.RawRemuxSeconds)} s", $"{Number(results.SystemRemuxSeconds)} s",
            $"+{Number(ratios.RemuxOverheadSeconds)} s", "≤ +0.3 s", Met(ratios.RemuxOverheadSeconds <= 0.3));
        report.TableRow(
            $"Throughput, {settings.ThroughputJobs} transcodes, {settings.Workers} at once",
            $"{Number(results.RawThroughputPerMinute, "F1")} jobs/min", $"{Number(results.SystemThroughputPerMinute, "F1")} jobs/min",
            $"{Percent(ratios.Throughput)} of raw", "≥ 95%", Met(ratios.Throughput >= 0.95));
        MachineSpeedReport.WriteRows(report, results);
        TranscodeSplitReport.WriteRows(report, results);
        report.TableRow(
            "Remux against transcode (system)", "", $"{Number(results.SystemRemuxSeconds)} s vs {Number(results.SystemTranscodeSeconds)} s",
            $"{Number(results.SystemTranscodeSeconds / results.SystemRemuxSeconds, "F1")}× faster", "", "");
        if (results.UploadToStartMilliseconds is { Count: > 0 } uploadToStart)
        {
            var median = Percentiles.Of(uploadToStart, 50)!.Value;
            report.TableRow(
                $"Upload landed → `PROCESSING`, a worker free (median of {uploadToStart.Count})", "", $"{Number(median, "F0")} ms",
                $"runs (ms): {string.Join(" ", uploadToStart.Select(time => Number(time, "F0")))}", "median ≤ 500 ms", Met(median <= 500));
        }
        report.Line();
        report.Paragraph(
            $"Runs, alternating raw and system (s): transcode raw {Runs(results.RawTranscodeRuns)}, system {Runs(results.SystemTranscodeRuns)};",
            $"remux raw {Runs(results.RawRemuxRuns)}, system {Runs(results.SystemRemuxRuns)}{ThroughputRuns(results)}{MachineSpeedReport.Runs(results)}.",
            "Where the spread of one side is larger than the difference between the sides, the machine's noise decides the ratio, not the system.");
    }

    private static void WriteApi(MarkdownText report, SystemBenchmark.Results results, BenchmarkSettings settings)
    {
        report.Heading(
            $"The API, {settings.ApiConcurrency} concurrent clients, {Number(settings.ApiDuration.TotalSeconds, "F0")} s per call, at most {Number(settings.ApiMaxJobs, "N0")} calls of each write");
        var rounds = results.AllApiRounds;
        report.Paragraph(
            $"{rounds.Count} round(s), each call after the other; the table shows the round in the middle by submissions a second,",
            "the last column every round's rate and p99. Each write's phase is its jobs' number of calls (each submitted job is work",
            $"for the workers), so it ends at {Number(settings.ApiMaxJobs, "N0")} calls or after {Number(settings.ApiDuration.TotalSeconds, "F0")} s, whichever comes first, and its p99 is decided by its slowest",
            $"{Number(Math.Max(1, settings.ApiMaxJobs / 100), "N0")} calls or fewer. Each phase starts",
            "with its clients' connections open (opened untimed just before, when not already open), so it times requests, not",
            "connecting, as load tools time a request.");
        if (results.ApiWarmUp is { } warmUp)
        {
            report.Paragraph(
                $"A shorter round ran first and is not judged (a warm-up: {warmUp.Create.Calls} job creations, {warmUp.Submit.Calls} submissions, {Number(warmUp.Read.Seconds, "F0")} s of reads),",
                "so the rounds meet the API as it runs for long, its code compiled and its pools filled:",
                string.Join("; ", new[] { warmUp.Create, warmUp.Submit, warmUp.Read }.Select(phase =>
                    $"`{phase.Call}` {Number(phase.PerSecond, "F0")}/s, p99 {Number(phase.LatencyMilliseconds.P99 ?? double.NaN, "F0")} ms")) + ".");
        }
        if (results.SharedApiRound is not null)
        {
            report.Paragraph(
                "The workers are paused (SIGSTOP) during each call's phase of these rounds: in a deployment they run on other machines, and",
                "here they would take the API's cores to reject the benchmark's text-file \"videos\". The jobs wait in the queue; the workers",
                "reject them, and the API applies their reports (writes of its own), after each phase of submissions; the next phase",
                "starts once the queue is empty and 3 s more (as each round does), so it meets little of the one before it.",
                "One more round with the workers running, and judged the same way, follows the table.");
        }

        report.TableRow("Call", "Calls", "Errors", "Rate", "p50", "p95", "p99", "Against GET (rate, p99)", "Target", "", "Rounds (rate, p99)");
        report.TableRow("---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---");
        var floor = results.Read;
        var middle = ApiBenchmark.Round.Middle(rounds);
        foreach (var phase in new[] { results.Create, results.Submit, results.Read })
        {
            var isWrite = phase.Call != results.Read.Call;
            var latency = phase.LatencyMilliseconds;
            report.TableRow(
                $"`{phase.Call}`", $"{phase.Calls}", $"{phase.Errors}", $"{Number(phase.PerSecond, "F0")}/s",
                $"{Number(latency.P50 ?? double.NaN, "F1")} ms", $"{Number(latency.P95 ?? double.NaN, "F1")} ms", $"{Number(latency.P99 ?? double.NaN, "F1")} ms",
                isWrite
                    ? $"{Number(phase.PerSecond / floor.PerSecond, "F2")}×, {Number((latency.P99 ?? double.NaN) / (floor.LatencyMilliseconds.P99 ?? double.NaN), "F2")}×"
                    : "the floor (writes nothing)",
                isWrite ? WriteTarget.Text : "",
                isWrite ? WriteTarget.AtFullLoad(phase) : "",
                string.Join("; ", rounds.Select(round => round.Of(phase.Call)).Select(each =>
                    $"{Number(each.PerSecond, "F0")}/s, {Number(each.LatencyMilliseconds.P99 ?? double.NaN, "F0")} ms")));
        }

        report.Line();
        TargetRateReport.Write(report, settings, rounds, middle);
        SlowestCallsReport.Write(report, middle);

        if (results.SharedApiRound is { } shared)
        {
            report.Paragraph(
                $"**One more round, with the workers running**, rejecting the round's jobs on the same {results.MachineCores} cores meanwhile and the API applying their reports,",
                "its submissions started right after their uploads (meeting the API recording their events):",
                string.Join("; ", new[] { shared.Create, shared.Submit, shared.Read }.Select(phase => SharedPhase(shared, phase))) + ".");
            SlowestCallsReport.WriteSubmissions(report, shared);
        }

        ApiCoresReport.Write(report, middle, results.SharedApiRound);

        if (results.TelemetryBytesPerSecond is { } exported)
        {
            report.Paragraph($"The services exported {Number(exported / 1e6, "F1")} MB/s of telemetry over OTLP during the rounds",
                "(spans and logs; metrics once a minute, so a round holds one of their exports or none).");
        }

        report.Paragraph(
            "Reading a job is measured in the same run as the floor: the same server, authentication and rate limiting, no write.",
            "Where a write is close to it, the machine (what shares its cores with the API: see below), not the write path, sets the number.");
    }

    private static void WriteMemory(MarkdownText report, SystemBenchmark.Results results)
    {
        report.Heading("Memory");
        report.Paragraph(
            "Resident memory (VmRSS) of one process of each service, the largest if several run (FFmpeg, a separate process, not",
            "included), sampled every 100 ms: idle (no job in the system), and at its peak during one job of each size.");
        report.TableRow("Service", "Idle", $"{Number(results.InputMegabytes, "F1")} MB job",
            results.LargeInputMegabytes is { } largeMegabytes ? $"{Number(largeMegabytes, "F0")} MB job" : "Large job", "Large against small", "Target", "");
        report.TableRow("---", "---", "---", "---", "---", "---", "---");
        foreach (var (service, limit, judged) in new[] { ("api", 200, "peak"), ("worker", 150, "idle") })
        {
            var idle = results.MemoryIdleMebibytes?.GetValueOrDefault(service);
            var small = results.MemorySmallMebibytes.GetValueOrDefault(service);
            var large = results.MemoryLargeMebibytes?.GetValueOrDefault(service);
            var measured = judged == "idle" ? idle : Math.Max(small, large ?? 0);
            report.TableRow(
                service, idle is { } idleMebibytes ? Number(idleMebibytes, "F0") + " MiB" : "not measured", $"{Number(small, "F0")} MiB",
                large is { } largeMebibytes ? Number(largeMebibytes, "F0") + " MiB" : "skipped",
                large is { } ratio ? Number(ratio / small) + "×" : "",
                $"{judged} ≤ {limit} MiB, flat with input size",
                measured is { } value ? Met(value <= limit && (large is not { } grown || grown / small <= 1.1)) : "");
        }

        report.Line();
        report.Paragraph(
            "The upload goes from the client straight to storage with a presigned URL, so no video byte reaches the API;",
            "the worker streams to and from files in its scratch directory. \"Flat\" is taken as at most 10 % more for the large job.",
            "Idle is sampled from about 5 s after the last job's outcome, so after a worker's give-back of memory 2 s into its idleness,",
            "the API's once a whole 2 s passed without a request (when it allocated 16 MiB or more since its last one),",
            "and after at least one of the trims of its C heap that every service runs every 5 s.");
    }

    /// <summary>How the worker read the inputs before FFmpeg: the remux's from its own index where its trace says so, else ffprobe.</summary>
    private static string InputReading(SystemBenchmark.Results results) =>
        results.RemuxBreakdown?.Stages.FirstOrDefault(stage => stage.Name == "probe input (index)") is { } indexed
            ? $"The worker read the remux's input from its own index in process ({Number(indexed.LastsMilliseconds, "F1")} ms; an input the index does not state, " +
              $"or whose plan is more than a copy, ffprobe reads: {Number(results.FFprobeSeconds)} s), and checks the output from its index too (by ffprobe only where the index cannot prove it),"
            : $"The worker probes the input with ffprobe before FFmpeg ({Number(results.FFprobeSeconds)} s; the output is checked from its index in process, by ffprobe only where the index cannot prove it),";

    /// <summary>
    /// What the transcode's difference from raw FFmpeg says. It is noise when it is smaller than one side's runs differ
    /// among themselves (the larger of the two spreads), as the per-job runs' paragraph reads them: the runs of both sides
    /// pooled would always spread at least as far as their medians lie apart, and call every difference noise. A difference
    /// beyond the spread is the fixed cost only as far as the remux shows that cost.
    /// </summary>
    private static string TranscodeDifference(SystemBenchmark.Results results, BenchmarkSettings settings, Ratios ratios)
    {
        var difference = results.SystemTranscodeSeconds - results.RawTranscodeSeconds;
        var measured = $"On the {settings.InputSeconds} s transcode the measured difference is {Percent(ratios.TranscodeOverhead)} of the job ({WithSign(difference)} s),";
        const string Shrinks = "the fixed cost shrinks, as a share, as videos get longer.";
        if (results.RawTranscodeRuns.Count < 2 || results.SystemTranscodeRuns.Count < 2)
        {
            return $"{measured} from one run of a side, with no spread to weigh it against; {Shrinks}";
        }

        if (Math.Abs(difference) < Math.Max(Percentiles.Range(results.RawTranscodeRuns), Percentiles.Range(results.SystemTranscodeRuns)))
        {
            return $"{measured} smaller than the runs' spread; {Shrinks}";
        }

        if (difference < 0)
        {
            // Nothing the system adds can make FFmpeg's work take less time than FFmpeg alone.
            return $"{measured} faster than FFmpeg alone by more than the runs' spread: the machine ran faster during the system's runs.";
        }

        return difference <= ratios.RemuxOverheadSeconds
            ? $"{measured} larger than the runs' spread and no more than the remux's fixed cost; {Shrinks}"
            : $"{measured} larger than the runs' spread and than the remux's fixed cost (+{Number(ratios.RemuxOverheadSeconds)} s), which does not " +
              "explain it: the job's stages, FFmpeg's above all, ran longer in the system than alone, as they do when the machine slows " +
              "between the two or other work takes its cores.";
    }

    private static void WriteLimits(MarkdownText report, SystemBenchmark.Results results, BenchmarkSettings settings, Ratios ratios)
    {
        var submitP50 = results.Submit.LatencyMilliseconds.P50;
        var storageCheck = results.SubmitAnatomy.StorageCheckMilliseconds;
        report.Heading("What limits these numbers");
        report.Paragraph(
            $"Measured in the same run: one request to the storage server takes **{Number(results.StorageRoundTripMilliseconds, "F1")} ms** (median of 20),",
            $"one ffprobe of the 10 MB input **{Number(results.FFprobeSeconds)} s**.");
        report.Line(string.Join(' ',
            "- **Per-job overhead.** The pipeline's own stages cost the same whatever the conversion;",
            $"a remux shows them whole: +{Number(ratios.RemuxOverheadSeconds)} s over raw FFmpeg.",
            InputReading(results),
            "and talks to storage several times per job (attempt ledger and download, side by side; upload; the ledger's removal, after the outcome), each a round trip to the storage server;",
            "the API dispatches through its outbox and the broker, and applies the reports.",
            TranscodeDifference(results, settings, ratios),
            MachineSpeedReport.Transcode(results, 1 + ratios.TranscodeOverhead),
            MachineSpeedReport.PairedTranscode(results),
            TranscodeSplitReport.Sentence(results)).TrimEnd());
        report.Line(ratios.Throughput < 1
            ? string.Join(' ',
                $"- **Throughput** ({Percent(ratios.Throughput)} of the raw loop) loses the same fixed cost per job,",
                $"and the client's uploads, the workers' downloads and the storage server share the {results.MachineCores} cores with FFmpeg.",
                MachineSpeedReport.Throughput(results, ratios.Throughput),
                MachineSpeedReport.PairedThroughput(results)).TrimEnd()
            : string.Join(' ',
                $"- **Throughput** ({Percent(ratios.Throughput)} of the raw loop): above the floor, which a system doing more than the loop cannot be;",
                "each side's runs alternate with the other's, and where one side's runs spread wider than the gap between the sides, the machine decides the ratio.",
                MachineSpeedReport.Throughput(results, ratios.Throughput),
                MachineSpeedReport.PairedThroughput(results)).TrimEnd());
        report.Line(string.Join(' ',
            "- **An upload's start** is a chain of hand-offs, none of them a poll: storage's event (the stand-in answers the PUT once",
            "the broker confirmed it), the API's upload-events consumer and one batch of its database writer, the outbox's publish,",
            "the worker's delivery, its attempt ledger (one storage request) and its `PROCESSING` report, applied by the writer.",
            "The figure includes the 10 ms polling of `GET /jobs/{id}` that sees it."));
        report.Line(string.Join(' ',
            "- **Writes.** `POST /upload/request` and `POST /jobs` commit through the API's database writer, which commits the writes waiting",
            "together in one SQLite transaction; each call is answered after a flush of the write-ahead log (fsync) that followed its batch's commit,",
            "made on a thread of its own while the writer runs the next batch (one flush for every batch committed meanwhile).",
            results.SqliteCommitMilliseconds is { } commit
                ? $"The floor: one row committed alone, WAL and `synchronous=FULL`, on the database's filesystem, takes {Number(commit.P50 ?? double.NaN, "F2")} ms (p99 {Number(commit.P99 ?? double.NaN, "F2")} ms, 1,000 commits): at most {Number(1000 / (commit.P50 ?? double.NaN), "F0")} writes/s one commit each."
                : "",
            "The submissions here are of jobs asked to wait for `POST /jobs` (`start: \"submit\"`), whose upload storage has announced:",
            "the call asks storage nothing.",
            EventsBeforeSubmissions(results.AllApiRounds),
            $"One call at a time, reading a job takes {Number(results.SubmitAnatomy.ReadMilliseconds, "F1")} ms,",
            $"and submitting a job whose upload is missing (the fallback, a storage check alone, no write) {Number(storageCheck, "F1")} ms.",
            $"Under {settings.ApiConcurrency} clients the submissions' median was {Number(submitP50 ?? double.NaN, "F0")} ms,",
            $"and `POST /upload/request` reached {Number(results.Create.PerSecond, "F0")}/s.",
            $"A bare request to the storage server takes {Number(results.StorageRoundTripMilliseconds, "F1")} ms.",
            ApiSideReport.Writes(results.AllApiRounds),
            SharingTheCores(results),
            "Not measured against MinIO: no Docker or MinIO binary on the machine above."));
    }

    /// <summary>How long the phases of submissions (every round's, both kinds) waited for the API to record their uploads' events.</summary>
    internal static string EventsBeforeSubmissions(IReadOnlyList<ApiBenchmark.Round> rounds)
    {
        var waits = rounds.SelectMany(round => new[] { round.Submit.UploadEvents, round.AtTargetRate?.Submit.UploadEvents })
            .OfType<UploadEventsRecorded.Wait>().ToList();
        if (waits.Count == 0)
        {
            return "";
        }

        var longest = waits.Max(wait => wait.WaitedSeconds);
        var notRecorded = waits.Sum(wait => wait.NotRecorded);
        return notRecorded == 0
            ? $"Each phase of submissions starts once the API has recorded storage's events of its {waits.Max(wait => wait.Uploads)} uploads " +
                $"(read back as each job's `uploaded_at`): at most {Number(longest, "F1")} s after the last upload's answer, over {waits.Count} phases."
            : $"Each phase of submissions starts once the API has recorded storage's events of its uploads, or after {UploadEventsRecorded.Longest.TotalSeconds:F0} s: " +
                $"over {waits.Count} phases, {notRecorded} of {waits.Sum(wait => wait.Uploads)} uploads were not seen recorded by then " +
                "(not recorded, or their job's read failed), and their submissions may have asked storage themselves.";
    }

    /// <summary>What shares the machine's cores with the API in its rounds, from how the run was made.</summary>
    private static string SharingTheCores(SystemBenchmark.Results results)
    {
        List<string> sharing = ["the load generator", "the broker", "the storage stand-in"];
        if (results.SharedApiRound is null)
        {
            sharing.Add("the workers (rejecting the benchmark's text-file \"videos\")");
        }

        if (results.TelemetryBytesPerSecond is null)
        {
            sharing.Add("the Aspire dashboard receiving every span");
        }

        var sentence = $"{string.Join(", ", sharing[..^1])} and {sharing[^1]} share the same cores with the API: on this machine they, not SQLite, set the tail.";
        return char.ToUpperInvariant(sentence[0]) + sentence[1..];
    }

    /// <summary>A call's rate and p99 in the round with the workers running, and a write's verdicts: at full load, and at the target's rate.</summary>
    private static string SharedPhase(ApiBenchmark.Round shared, ApiBenchmark.Phase phase)
    {
        var text = $"`{phase.Call}` {Number(phase.PerSecond, "F0")}/s, p99 {Number(phase.LatencyMilliseconds.P99 ?? double.NaN, "F0")} ms";
        if (phase == shared.Read)
        {
            return text;
        }

        text += $" ({Plain(WriteTarget.AtFullLoad(phase))})";
        return shared.AtTargetRate is { } paced
            ? text + $", p99 {Number(paced.Of(phase.Call).LatencyMilliseconds.P99 ?? double.NaN, "F0")} ms at {Number(paced.OfferedPerSecond, "N0")}/s ({Plain(WriteTarget.AtTargetRate(shared, phase.Call))})"
            : text;

        static string Plain(string verdict) => verdict.Replace("**", "", StringComparison.Ordinal);
    }

    private static string Runs(IEnumerable<double> runs, string format = "F2") => string.Join(" ", runs.Select(run => Number(run, format)));

    /// <summary>Each throughput run of each side (jobs a minute), where the results hold them.</summary>
    private static string ThroughputRuns(SystemBenchmark.Results results) =>
        results is { RawThroughputRuns: { } raw, SystemThroughputRuns: { } system }
            ? $"; throughput (jobs/min) raw {Runs(raw, "F1")}, system {Runs(system, "F1")}"
            : "";
}
