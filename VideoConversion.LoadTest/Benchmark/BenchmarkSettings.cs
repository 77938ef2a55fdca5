using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Benchmark;

/// <param name="Workers">Worker processes the system runs: the raw loop runs as many FFmpeg at once.</param>
/// <param name="Runs">Times each alternated comparison runs (medians reported): every output a job can make, API and upload rounds.</param>
/// <param name="ThroughputJobs">Jobs in the throughput comparison.</param>
/// <param name="BigFileMegabytes">Size of the large input for the memory measurement; 0 skips it.</param>
/// <param name="TelemetrySinkPort">Where the AppHost was told to export the services' telemetry (OTLP/HTTP), for the benchmark to take and discard; null: to the dashboard.</param>
/// <param name="DatabaseDirectory">Where the API keeps its database: the floor of a commit is measured on that filesystem; null skips it.</param>
/// <param name="SystemWorker">The executable the system's workers run from (paused during the API rounds); null: <see cref="WorkerBinary"/>'s.</param>
/// <param name="SystemWorkersUnder">A process the system's workers run below: another system of the same build is left alone; null: any.</param>
/// <param name="UploadMegabytes">Size (MiB) of the file uploaded in one PUT and in parts, alternated, for their rates; 0 skips it.</param>
/// <param name="CutUploadMegabytes">Size (MiB) of the file uploaded in parts with its connections cut twice; 0 skips it.</param>
/// <param name="JobRuns">
/// Times the per-job and the throughput comparisons run, alternated (medians reported). More than <see cref="Runs"/> by
/// default: their targets are a few percent, within one run's swing on a shared machine, and a run of each side takes about a minute.
/// </param>
public sealed record BenchmarkSettings(
    ApiEndpoint Api,
    string WorkerBinary,
    int Workers,
    int Runs,
    int ThroughputJobs,
    int InputSeconds,
    int BigFileMegabytes,
    int ApiConcurrency,
    TimeSpan ApiDuration,
    int ApiMaxJobs,
    string WorkDirectory,
    string Report,
    string? DatabaseDirectory = null,
    int? TelemetrySinkPort = null,
    string? SystemWorker = null,
    int? SystemWorkersUnder = null,
    int UploadMegabytes = 2048,
    int CutUploadMegabytes = 300,
    int JobRuns = 5)
{
    /// <summary>The system's worker executable (not a .dll beside it): only its processes are paused.</summary>
    public string SystemWorkerExecutable
    {
        get
        {
            var path = SystemWorker ?? WorkerBinary;
            return path.EndsWith(".dll", StringComparison.Ordinal) ? path[..^4] : path;
        }
    }
}
