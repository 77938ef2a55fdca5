using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Chaos;
using VideoConversion.LoadTest.Inputs;
using VideoConversion.LoadTest.Reports;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Commands;

/// <summary>baseline, load and chaos: the seed guide's three validation scripts as commands.</summary>
public static class RunCommands
{
    public static RootCommand Build()
    {
        var common = new CommonOptions();
        // Each command has its own defaults (the seed's: 10 jobs one at a time, 100 jobs by 10, 20 jobs by 5).
        static Option<int> NumJobs(int jobs) => new("--num-jobs") { Description = "How many jobs to run.", DefaultValueFactory = _ => jobs };
        static Option<int> Concurrency(int clients) => new("--concurrency") { Description = "How many clients run jobs at once.", DefaultValueFactory = _ => clients };

        var baseline = new Command("baseline", "Does it work? Jobs one after another through the public API; success rate and each job's times.");
        common.AddTo(baseline);
        var baselineJobs = NumJobs(10);
        baseline.Options.Add(baselineJobs);
        baseline.SetAction((parse, cancellationToken) =>
            RunAsync("baseline", common, parse, parse.GetValue(baselineJobs), concurrency: 1, fault: null, cancellationToken));

        var load = new Command("load", "Does it scale? Many jobs from concurrent clients; throughput, latency percentiles, queue and workers over time.");
        common.AddTo(load);
        var (loadJobs, loadClients) = (NumJobs(100), Concurrency(10));
        load.Options.Add(loadJobs);
        load.Options.Add(loadClients);
        load.SetAction((parse, cancellationToken) =>
            RunAsync("load", common, parse, parse.GetValue(loadJobs), parse.GetValue(loadClients), fault: null, cancellationToken));

        var test = new Option<string>("--test") { Description = "kill-worker, network-latency or cpu-stress.", Required = true };
        test.AcceptOnlyFromAmong("kill-worker", "network-latency", "cpu-stress");
        var kubernetes = new Option<string?>("--kubernetes-namespace") { Description = "Act on this Kubernetes namespace (kubectl) instead of local processes." };
        var latency = new Option<TimeSpan>("--latency")
        {
            Description = "network-latency: the delay added to each packet to and from storage (e.g. 500ms).",
            CustomParser = OptionParsers.Duration,
            DefaultValueFactory = _ => TimeSpan.FromMilliseconds(500),
        };
        var chaos = new Command("chaos", "Does it recover? A load run with a fault injected; jobs lost (must be 0), jobs retried, and the time the fault cost.");
        common.AddTo(chaos);
        var (chaosJobs, chaosClients) = (NumJobs(20), Concurrency(5));
        chaos.Options.Add(chaosJobs);
        chaos.Options.Add(chaosClients);
        chaos.Options.Add(test);
        chaos.Options.Add(kubernetes);
        chaos.Options.Add(latency);
        chaos.SetAction((parse, cancellationToken) =>
        {
            Func<Uri, IFault> fault = parse.GetValue(test) switch
            {
                "kill-worker" => _ => new KillWorkerFault(parse.GetValue(kubernetes)),
                "network-latency" => storage => new NetworkLatencyFault(storage, parse.GetValue(latency)),
                _ => _ => new CpuStressFault(),
            };
            return RunAsync("chaos", common, parse, parse.GetValue(chaosJobs), parse.GetValue(chaosClients), fault, cancellationToken);
        });

        return new RootCommand("VideoConversion load, scale and fault tests, driving the public API as clients do.")
        {
            baseline, load, chaos, Benchmark.BenchmarkCommand.Build(), Benchmark.BenchmarkReportCommand.Build(), Benchmark.ApiRoundsCommand.Build(),
        };
    }

    private static async Task<int> RunAsync(
        string command, CommonOptions common, ParseResult parse, int jobs, int concurrency, Func<Uri, IFault>? fault, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        try
        {
            var settings = await SettingsAsync(common, parse, jobs, concurrency, cancellationToken);
            using var api = settings.Api.CreateClient(TimeSpan.FromSeconds(30));
            using var storage = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            using var management = settings.Api.CreateManagementClient(TimeSpan.FromSeconds(10));
            var client = new VideoConversionClient(api, storage, management);
            var uploads = settings.Multipart ? $"uploads in parts, {settings.PartsInFlight} at once" : "uploads in one PUT";
            console.MarkupLine($"[bold]{command}[/]: {jobs} jobs, {concurrency} at a time, {uploads}, against {Markup.Escape(settings.Api.ToString())}");

            RunResult? reference = null;
            if (fault is not null)
            {
                console.MarkupLine("[bold]reference run[/], without the fault:");
                reference = await new LoadRun(client, settings, new ConsoleRunDisplay(console)).RunAsync("chaos-reference", null, cancellationToken);
                console.MarkupLine("[bold]run with the fault[/]:");
            }

            var run = new LoadRun(client, settings, new ConsoleRunDisplay(console));
            IFault? injected = null;
            RunResult result;
            try
            {
                result = await run.RunAsync(command, fault is null ? null : async (current, token) =>
                {
                    injected = fault(await StorageEndpointAsync(client, settings, token));
                    await injected.InjectAsync(current, token);
                }, cancellationToken);
            }
            finally
            {
                if (injected is not null)
                {
                    await injected.DisposeAsync();
                }
            }

            var summary = RunSummary.Of(result);
            var findings = Findings(result, summary, reference);
            var files = await ReportWriter.WriteAsync(result, summary, findings);
            Print(console, settings, summary, findings, files);
            return fault is null ? (summary.Failed == 0 ? 0 : 1) : (Lost(result) == 0 ? 0 : 1);
        }
        catch (LoadTestException problem)
        {
            console.MarkupLine($"[red]{Markup.Escape(problem.Message)}[/]");
            return 2;
        }
    }

    private static async Task<RunSettings> SettingsAsync(CommonOptions common, ParseResult parse, int jobs, int concurrency, CancellationToken cancellationToken)
    {
        if (jobs < 1 || concurrency < 1)
        {
            throw new LoadTestException("--num-jobs and --concurrency must be at least 1.");
        }

        var output = parse.GetValue(common.OutputDirectory)!.FullName;
        var files = parse.GetValue(common.VideoFiles) ?? [];
        List<string> inputs = [];
        foreach (var file in files)
        {
            inputs.Add(file.Exists ? file.FullName : throw new LoadTestException($"No such video file: {file.FullName}"));
        }

        if (inputs.Count == 0)
        {
            AnsiConsole.MarkupLine("generating a test video with FFmpeg…");
            inputs.Add(await GeneratedInputs.CreateAsync(Path.Combine(output, "inputs"), parse.GetValue(common.InputKind)!, parse.GetValue(common.InputSeconds), cancellationToken));
        }

        var multipart = parse.GetValue(common.Multipart);
        var partsInFlight = parse.GetValue(common.PartsInFlight);
        if (partsInFlight < 1)
        {
            throw new LoadTestException("--parts-in-flight must be at least 1.");
        }

        // Checked before any job: one PUT cannot take it, and the tool does not switch to parts behind the user's back.
        if (!multipart && inputs.FirstOrDefault(input => new FileInfo(input).Length > UploadTicket.MaxSinglePutBytes) is { } tooLarge)
        {
            throw new LoadTestException($"{tooLarge} is larger than 5 GiB, more than one PUT to storage takes: upload it in parts with --multipart.");
        }

        return new RunSettings(common.Endpoint(parse), jobs, concurrency, inputs, parse.GetValue(common.JobTimeout), output,
            Multipart: multipart, PartsInFlight: partsInFlight);
    }

    /// <summary>Where storage is, as clients see it: the host of a presigned URL (asked for, never used).</summary>
    private static async Task<Uri> StorageEndpointAsync(VideoConversionClient client, RunSettings settings, CancellationToken cancellationToken)
    {
        var (_, url) = await client.RequestUploadAsync("probe" + Path.GetExtension(settings.Inputs[0]), "video/mp4", sizeBytes: null, cancellationToken);
        return new Uri(url.GetLeftPart(UriPartial.Authority));
    }

    /// <summary>Accepted jobs that did not end DONE: with valid inputs, every one of them is a job the system lost.</summary>
    private static int Lost(RunResult run) => run.Jobs.Count(job => !job.Succeeded);

    private static List<string> Findings(RunResult run, RunSummary summary, RunResult? reference)
    {
        List<string> findings = [];
        if (reference is null)
        {
            return findings;
        }

        var before = RunSummary.Of(reference);
        findings.Add(string.Create(CultureInfo.InvariantCulture, $"Jobs lost: **{Lost(run)}** of {run.Jobs.Count} (must be 0)"));
        findings.Add(string.Create(CultureInfo.InvariantCulture, $"Jobs retried: {run.Jobs.Count(job => job.Attempts > 1)} (attempts: {run.Jobs.Sum(job => job.Attempts)})"));
        findings.Add(string.Create(CultureInfo.InvariantCulture,
            $"Extra time: the run took {summary.WallSeconds - before.WallSeconds:+0.0;-0.0} s ({summary.WallSeconds / before.WallSeconds:0.00}×) against the same load without the fault; median end to end {Delta(summary.EndToEnd.P50, before.EndToEnd.P50)}"));
        return findings;
    }

    private static string Delta(double? now, double? before) =>
        now is { } after && before is { } was ? string.Create(CultureInfo.InvariantCulture, $"{after:F2} s against {was:F2} s") : "not measured";

    private static void Print(IAnsiConsole console, RunSettings settings, RunSummary summary, IReadOnlyList<string> findings, IReadOnlyList<string> files)
    {
        var table = new Table().AddColumns("time (s)", "mean", "p50", "p95", "p99", "max");
        foreach (var (name, distribution) in summary.Times)
        {
            table.AddRow(name, S(distribution.Mean), S(distribution.P50), S(distribution.P95), S(distribution.P99), S(distribution.Max));
        }

        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"success rate [bold]{summary.SuccessRate:P1}[/] ({summary.Succeeded}/{summary.Jobs}), throughput [bold]{summary.JobsPerMinute:F1} jobs/min[/]"));
        console.Write(table);
        console.MarkupLine(Markup.Escape(ReportWriter.UploadLine(settings, summary.Uploads)[2..].Replace("**", "", StringComparison.Ordinal)));
        foreach (var finding in findings)
        {
            console.MarkupLine(Markup.Escape(finding.Replace("**", "", StringComparison.Ordinal)));
        }

        console.MarkupLine($"reports: {Markup.Escape(string.Join(", ", files))}");
    }

    private static string S(double? seconds) => seconds is { } value ? value.ToString("F2", CultureInfo.InvariantCulture) : "–";
}
