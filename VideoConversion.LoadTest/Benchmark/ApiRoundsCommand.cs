using System.CommandLine;
using Spectre.Console;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Commands;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// "api-rounds": the API's calls alone, on a running system, in rounds as the benchmark runs them (the workers paused
/// during each call's phase, the system settled between rounds and after each phase of submissions), written as JSON for <c>benchmark --database-comparison</c>:
/// scripts/benchmark runs it against the system on PostgreSQL, with one API replica and with two. With <c>--workers-running</c>,
/// the rounds are the benchmark's last one instead, measured on their own in minutes rather than inside its full run.
/// </summary>
public static class ApiRoundsCommand
{
    public static Command Build()
    {
        // The API's address, key and management port as every command takes them; none of the others.
        var common = new CommonOptions();
        var systemWorker = new Option<FileInfo>("--system-worker") { Description = "The executable the system's workers run from: paused during each call's phase (required unless --workers-running), and found for where the cores go in each pass." };
        var workers = new Option<int>("--workers") { Description = "Worker processes the system runs: as many are paused, and found for where the cores go in each pass.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var runs = new Option<int>("--runs") { CustomParser = OptionParsers.Runs, Description = "Rounds (the one in the middle by submissions a second stands for the system).", DefaultValueFactory = _ => 3 };
        var apiConcurrency = new Option<int>("--api-concurrency") { DefaultValueFactory = _ => 32 };
        var apiDuration = new Option<TimeSpan>("--api-duration") { CustomParser = OptionParsers.Duration, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var apiMaxJobs = new Option<int>("--api-max-jobs") { Description = ApiBenchmark.MaxJobsDescription, DefaultValueFactory = _ => ApiBenchmark.DefaultMaxJobs };
        var database = new Option<string>("--database") { Description = "The system's database, as the report names it.", Required = true };
        var apiReplicas = new Option<int>("--api-replicas") { Description = "API processes behind the API's address.", DefaultValueFactory = _ => 1 };
        var pooling = new Option<string>("--pooling") { Description = "The connection pool's settings, as the report states them.", Required = true };
        var workersRunningOption = new Option<bool>("--workers-running")
        {
            Description = "Rounds as the benchmark's last one: the workers never paused, rejecting each round's jobs on the same cores meanwhile, and each phase of submissions right after its uploads, not waiting for their events.",
        };
        var output = new Option<FileInfo>("--output") { Description = "The JSON file the rounds are written to.", Required = true };
        var telemetrySink = new Option<int?>("--telemetry-sink-port")
        {
            Description = "Take the services' telemetry on this port (OTLP/HTTP) and discard it, as benchmark does: the systems compared export the same way.",
        };
        var command = new Command(
            "api-rounds", "The API's calls alone in rounds, the workers paused (or, with --workers-running, not); writes JSON for benchmark --database-comparison.")
        {
            common.ApiUrl, common.ApiKey, common.ApiManagementUrl, systemWorker, workers, runs, apiConcurrency, apiDuration, apiMaxJobs, database, apiReplicas, pooling, workersRunningOption, output, telemetrySink,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoint = common.Endpoint(parse);
            var duration = parse.GetValue(apiDuration);
            var console = AnsiConsole.Console;
            var workersRunning = parse.GetValue(workersRunningOption);
            if (!workersRunning && parse.GetValue(systemWorker) is null)
            {
                console.MarkupLine("[red]--system-worker is required unless --workers-running: the workers are paused by the executable they run.[/]");
                return 2;
            }

            if (!workersRunning && duration > ApiBenchmark.LongestDuration)
            {
                console.MarkupLine($"[red]--api-duration is at most {Math.Floor(ApiBenchmark.LongestDuration.TotalSeconds):F0} s: a longer pause would outlast the broker's heartbeat timeout.[/]");
                return 2;
            }

            try
            {
                using var apiClient = endpoint.CreateClient(TimeSpan.FromSeconds(30));
                using var storage = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                using var management = endpoint.CreateManagementClient(TimeSpan.FromSeconds(10));
                await using var telemetry = parse.GetValue(telemetrySink) is { } port ? new TelemetrySink(port) : null;
                var client = new VideoConversionClient(apiClient, storage, management);
                // The API's own times are read from one process's /metrics: behind the replicas' proxy, the readings
                // before and after a pass could come from different processes, and their difference would mean nothing.
                var measuredEndpoint = parse.GetValue(apiReplicas) == 1 ? endpoint : endpoint with { ManagementUrl = null };
                await ApiSideTimes.CheckAsync(measuredEndpoint, cancellationToken);
                var executable = parse.GetValue(systemWorker)?.FullName;
                var expectedWorkers = parse.GetValue(workers);
                // Where the cores go in each pass, the workers' children (their ffprobe and FFmpeg) counted as converting:
                // only with the workers' executable, so that other systems' workers on the machine are not taken for them.
                var benchmark = new ApiBenchmark(measuredEndpoint, parse.GetValue(apiConcurrency), duration, parse.GetValue(apiMaxJobs),
                    executable is null ? null : token => CoresClock.StartWithWorkersAsync(SystemParts.Of, executable, under: null, expectedWorkers, token));
                var count = parse.GetValue(runs);
                var label = $"{parse.GetValue(database)}, {parse.GetValue(apiReplicas)} API replica(s)";
                // With the workers running, the rounds meet them as the benchmark's last round does: never paused (the
                // warm-up neither, so that nothing here needs their executable), nor waited for between a round's phases.
                Func<CancellationToken, Task<IAsyncDisposable>>? pause = workersRunning
                    ? null
                    : async token => await PausedWorkers.PauseAsync(executable!, under: null, expectedWorkers, token);
                Func<CancellationToken, Task>? settle = workersRunning ? null : token => QueueSettling.WaitAsync(client, token);
                console.MarkupLine($"[bold]api-rounds[/]: {Markup.Escape(label)}, warm-up (not judged)");
                var warmUp = await benchmark.WarmUpAsync(cancellationToken, pause, settle);
                await QueueSettling.WaitAsync(client, cancellationToken);
                Console.WriteLine($"warm-up: {Summary(warmUp)}");
                List<ApiBenchmark.Round> rounds = [];
                for (var round = 1; round <= count; round++)
                {
                    console.MarkupLine($"[bold]api-rounds[/]: {Markup.Escape(label)}, round {round} of {count}{(workersRunning ? ", the workers running" : "")}");
                    rounds.Add(await benchmark.RunAsync(cancellationToken, pause, settle, awaitUploadEvents: !workersRunning));
                    await QueueSettling.WaitAsync(client, cancellationToken);
                }

                var measured = new DatabaseRounds(parse.GetValue(database)!, parse.GetValue(apiReplicas), parse.GetValue(pooling)!, rounds, workersRunning);
                await measured.WriteAsync(parse.GetValue(output)!.FullName, cancellationToken);
                Console.WriteLine(Summary(measured.Middle));
                return 0;
            }
            catch (LoadTestException problem)
            {
                console.MarkupLine($"[red]{Markup.Escape(problem.Message)}[/]");
                return 2;
            }
        });
        return command;
    }

    private static string Summary(ApiBenchmark.Round round) => string.Join("; ", new[] { round.Create, round.Submit, round.Read }.Select(phase =>
        $"{phase.Call} {phase.PerSecond:F0}/s, p99 {phase.LatencyMilliseconds.P99:F1} ms, {phase.Errors} errors" +
        $" (at {ApiBenchmark.TargetRate:F0}/s: p99 {round.AtTargetRate?.Of(phase.Call).LatencyMilliseconds.P99:F1} ms)" +
        ApiShare(phase.Cores)));

    private static string ApiShare(CoresTime? cores) =>
        cores is null ? "" : $", the API busy on {cores.OnAverage(cores.Parts.GetValueOrDefault(SystemParts.Api)):F2} of {cores.Cores} cores";
}
