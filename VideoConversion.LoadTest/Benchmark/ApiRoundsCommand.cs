using System.CommandLine;
using Spectre.Console;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Commands;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// "api-rounds": the API's calls alone, on a running system, in rounds as the benchmark runs them (the workers paused
/// during each call's phase, the system settled between rounds and after each phase of submissions), written as JSON for <c>benchmark --database-comparison</c>:
/// scripts/benchmark runs it against the system on PostgreSQL, with one API replica and with two.
/// </summary>
public static class ApiRoundsCommand
{
    public static Command Build()
    {
        // The API's address, key and management port as every command takes them; none of the others.
        var common = new CommonOptions();
        var systemWorker = new Option<FileInfo>("--system-worker") { Description = "The executable the system's workers run from: paused during each call's phase.", Required = true };
        var workers = new Option<int>("--workers") { Description = "Worker processes the system runs.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var runs = new Option<int>("--runs") { CustomParser = OptionParsers.Runs, Description = "Rounds (the one in the middle by submissions a second stands for the system).", DefaultValueFactory = _ => 3 };
        var apiConcurrency = new Option<int>("--api-concurrency") { DefaultValueFactory = _ => 32 };
        var apiDuration = new Option<TimeSpan>("--api-duration") { CustomParser = OptionParsers.Duration, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var apiMaxJobs = new Option<int>("--api-max-jobs") { Description = "Jobs created and submitted at most in each of a round's two passes (as fast as the clients go, then on a schedule at 1,000/s).", DefaultValueFactory = _ => 1000 };
        var database = new Option<string>("--database") { Description = "The system's database, as the report names it.", Required = true };
        var apiReplicas = new Option<int>("--api-replicas") { Description = "API processes behind the API's address.", DefaultValueFactory = _ => 1 };
        var pooling = new Option<string>("--pooling") { Description = "The connection pool's settings, as the report states them.", Required = true };
        var workersRunning = new Option<bool>("--workers-running")
        {
            Description = "Rounds as the benchmark's last one: the workers never paused, rejecting each round's jobs on the same cores meanwhile, and each phase of submissions right after its uploads, not waiting for their events.",
        };
        var output = new Option<FileInfo>("--output") { Description = "The JSON file the rounds are written to.", Required = true };
        var telemetrySink = new Option<int?>("--telemetry-sink-port")
        {
            Description = "Take the services' telemetry on this port (OTLP/HTTP) and discard it, as benchmark does: the systems compared export the same way.",
        };
        var command = new Command("api-rounds", "The API's calls alone in rounds, the workers paused; writes JSON for benchmark --database-comparison.")
        {
            common.ApiUrl, common.ApiKey, common.ApiManagementUrl, systemWorker, workers, runs, apiConcurrency, apiDuration, apiMaxJobs, database, apiReplicas, pooling, workersRunning, output, telemetrySink,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var endpoint = common.Endpoint(parse);
            var duration = parse.GetValue(apiDuration);
            var console = AnsiConsole.Console;
            if (duration > ApiBenchmark.LongestDuration)
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
                var benchmark = new ApiBenchmark(measuredEndpoint, parse.GetValue(apiConcurrency), duration, parse.GetValue(apiMaxJobs));
                var executable = parse.GetValue(systemWorker)!.FullName;
                var expectedWorkers = parse.GetValue(workers);
                var count = parse.GetValue(runs);
                var label = $"{parse.GetValue(database)}, {parse.GetValue(apiReplicas)} API replica(s)";
                console.MarkupLine($"[bold]api-rounds[/]: {Markup.Escape(label)}, warm-up (not judged)");
                var shared = parse.GetValue(workersRunning);
                // With the workers running, they are never paused, not even for the warm-up.
                var warmUp = shared
                    ? await benchmark.WarmUpAsync(cancellationToken)
                    : await benchmark.WarmUpAsync(cancellationToken,
                        async token => await PausedWorkers.PauseAsync(executable, under: null, expectedWorkers, token),
                        token => QueueSettling.WaitAsync(client, token));
                await QueueSettling.WaitAsync(client, cancellationToken);
                Console.WriteLine($"warm-up: {Summary(warmUp)}");
                List<ApiBenchmark.Round> rounds = [];
                for (var round = 1; round <= count; round++)
                {
                    console.MarkupLine($"[bold]api-rounds[/]: {Markup.Escape(label)}, round {round} of {count}{(shared ? ", the workers running" : "")}");
                    rounds.Add(shared
                        ? await benchmark.RunAsync(cancellationToken, awaitUploadEvents: false)
                        : await benchmark.RunAsync(cancellationToken,
                            async token => await PausedWorkers.PauseAsync(executable, under: null, expectedWorkers, token),
                            token => QueueSettling.WaitAsync(client, token)));
                    await QueueSettling.WaitAsync(client, cancellationToken);
                }

                var measured = new DatabaseRounds(parse.GetValue(database)!, parse.GetValue(apiReplicas), parse.GetValue(pooling)!, rounds, shared);
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
        $" (at {ApiBenchmark.TargetRate:F0}/s: p99 {round.AtTargetRate?.Of(phase.Call).LatencyMilliseconds.P99:F1} ms)"));
}
