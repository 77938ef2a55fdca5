using System.CommandLine;
using Spectre.Console;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Commands;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>"benchmark": the system against raw FFmpeg on the same inputs, written to a Markdown report.</summary>
public static class BenchmarkCommand
{
    public static Command Build()
    {
        var api = new Option<Uri>("--api-url") { CustomParser = OptionParsers.AbsoluteUri, DefaultValueFactory = _ => new Uri("http://localhost:8000") };
        var apiKey = new Option<string>("--api-key")
        {
            Description = $"The API key to call with. Default: ${ApiEndpoint.KeyVariable}.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ApiEndpoint.KeyVariable) ?? "",
        };
        var apiManagement = CommonOptions.ApiManagementUrlOption();
        var worker = new Option<FileInfo>("--worker-binary") { Description = "The worker executable (or its .dll), whose `plan` prints the FFmpeg command it runs.", Required = true };
        var systemWorker = new Option<FileInfo?>("--system-worker")
        {
            Description = "The executable the system's workers run from: their processes are paused during the API rounds, so that the API is measured " +
                "on its own. Default: that of --worker-binary (the same build).",
        };
        var systemWorkersUnder = new Option<int?>("--system-workers-under")
        {
            Description = "A process (id) the system's workers run below, when another system runs the same worker build on this machine: only those are paused.",
        };
        var workers = new Option<int>("--workers") { Description = "Worker processes the system runs.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var runs = new Option<int>("--runs") { CustomParser = OptionParsers.Runs, Description = "Times each alternated comparison runs: every output a job can make, API and upload rounds (medians reported); upload-to-start samples: 3 per run, at least 5.", DefaultValueFactory = _ => 3 };
        var jobRuns = new Option<int>("--job-runs")
        {
            CustomParser = OptionParsers.Runs,
            Description = "Times the per-job and the throughput comparisons run, raw FFmpeg and the system alternated (medians reported).",
            DefaultValueFactory = _ => 5,
        };
        var throughputJobs = new Option<int>("--throughput-jobs") { DefaultValueFactory = _ => 2 * Environment.ProcessorCount };
        var seconds = new Option<int>("--input-seconds") { DefaultValueFactory = _ => 30 };
        var big = new Option<int>("--big-file-mb") { Description = "Large input for the memory measurement; 0 skips it.", DefaultValueFactory = _ => 1024 };
        var uploadMegabytes = new Option<int>("--upload-mb")
        {
            Description = "Size (MiB) of the random file uploaded in one PUT and in parts, alternated, for each's rate; 0 skips it.",
            DefaultValueFactory = _ => 2048,
        };
        var cutUploadMegabytes = new Option<int>("--cut-upload-mb")
        {
            Description = "Size (MiB) of the random file uploaded in parts while its connection is cut twice, for the bytes the retries cost; 0 skips it.",
            DefaultValueFactory = _ => 300,
        };
        var apiConcurrency = new Option<int>("--api-concurrency") { DefaultValueFactory = _ => 32 };
        var apiDuration = new Option<TimeSpan>("--api-duration") { CustomParser = OptionParsers.Duration, DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
        var apiMaxJobs = new Option<int>("--api-max-jobs") { Description = ApiBenchmark.MaxJobsDescription, DefaultValueFactory = _ => ApiBenchmark.DefaultMaxJobs };
        var work = new Option<DirectoryInfo>("--work-dir") { DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "benchmarks", "system")) };
        var report = new Option<FileInfo>("--report") { DefaultValueFactory = _ => new FileInfo(Path.Combine("docs", "BENCHMARKS.md")) };
        var database = new Option<DirectoryInfo?>("--database-dir") { Description = "The API's database directory: a bare SQLite commit is measured on its filesystem as the floor of a write." };
        var telemetrySink = new Option<int?>("--telemetry-sink-port")
        {
            Description = "Take the services' telemetry on this port (OTLP/HTTP; the AppHost run with VideoConversion:Dashboard=false and " +
                "VideoConversion:OtlpEndpoint=http://localhost:PORT) and discard it.",
        };
        var databaseComparison = new Option<FileInfo[]>("--database-comparison")
        {
            Description = "The API's rounds on another system (api-rounds' JSON), reported next to this system's: repeat for each.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("benchmark", "The running system against raw FFmpeg on the same inputs; writes a Markdown report.")
        {
            api, apiKey, apiManagement, worker, workers, runs, jobRuns, throughputJobs, seconds, big, apiConcurrency, apiDuration, apiMaxJobs, work, report, database, telemetrySink, systemWorker, systemWorkersUnder,
            uploadMegabytes, cutUploadMegabytes, databaseComparison,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new BenchmarkSettings(
                new ApiEndpoint(parse.GetValue(api)!, parse.GetValue(apiKey) is { Length: > 0 } key ? key : null, parse.GetValue(apiManagement)), parse.GetValue(worker)!.FullName, parse.GetValue(workers), parse.GetValue(runs), parse.GetValue(throughputJobs),
                parse.GetValue(seconds), parse.GetValue(big), parse.GetValue(apiConcurrency), parse.GetValue(apiDuration), parse.GetValue(apiMaxJobs),
                parse.GetValue(work)!.FullName, parse.GetValue(report)!.FullName, parse.GetValue(database)?.FullName,
                parse.GetValue(telemetrySink), parse.GetValue(systemWorker)?.FullName, parse.GetValue(systemWorkersUnder),
                UploadMegabytes: parse.GetValue(uploadMegabytes), CutUploadMegabytes: parse.GetValue(cutUploadMegabytes),
                JobRuns: parse.GetValue(jobRuns));
            var console = AnsiConsole.Console;
            try
            {
                // Read first: a missing or empty file ends the run before its hour of measurements, not after.
                List<DatabaseRounds> otherDatabases = [];
                foreach (var file in parse.GetValue(databaseComparison) ?? [])
                {
                    otherDatabases.Add((await DatabaseRounds.ReadAsync(file.FullName, cancellationToken)).WithWorkersPaused(file.FullName));
                }

                using var apiClient = settings.Api.CreateClient(TimeSpan.FromSeconds(30));
                using var storage = new HttpClient { Timeout = TimeSpan.FromMinutes(30) };
                using var management = settings.Api.CreateManagementClient(TimeSpan.FromSeconds(10));
                await using var telemetry = settings.TelemetrySinkPort is { } port ? new TelemetrySink(port) : null;
                var benchmark = new SystemBenchmark(settings, new VideoConversionClient(apiClient, storage, management), new QuietRunDisplay(), telemetry);
                var results = await benchmark.RunAsync(step => console.MarkupLine($"[bold]benchmark[/]: {Markup.Escape(step)}"), cancellationToken);
                var saved = SavedBenchmark.Of(results, settings, otherDatabases);
                var markdown = saved.Markdown();
                Directory.CreateDirectory(Path.GetDirectoryName(settings.Report)!);
                await File.WriteAllTextAsync(settings.Report, markdown, cancellationToken);
                // After the report, which the run is for: a report whose wording changes later is written again from it (benchmark-report).
                await SaveAsync(saved, settings.WorkDirectory, console, cancellationToken);
                // Plain, unwrapped: the report as written.
                Console.WriteLine(markdown);
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

    /// <summary>The run's results beside its work; a failure to save them is said, and the report already written stands.</summary>
    private static async Task SaveAsync(SavedBenchmark saved, string workDirectory, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var path = Path.Combine(workDirectory, SavedBenchmark.FileName);
        try
        {
            Directory.CreateDirectory(workDirectory);
            await saved.WriteAsync(path, cancellationToken);
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException or NotSupportedException or System.Text.Json.JsonException)
        {
            console.MarkupLine($"[yellow]The run's results could not be saved to {Markup.Escape(path)}: {Markup.Escape(problem.Message)}[/]");
        }
    }

    /// <summary>The benchmark reports its steps, not every job's second.</summary>
    private sealed class QuietRunDisplay : IRunDisplay
    {
        public void Sample(TimelinePoint point, int totalJobs)
        {
        }

        public void JobFinished(JobResult job)
        {
        }

        public void Note(string message)
        {
        }
    }
}
