namespace VideoConversion.Tests.Support;

/// <summary>How a test collection's system differs from a plain start of the AppHost.</summary>
/// <param name="DataDirectoryPrefix">The run's temporary data directory begins with this, so a leftover one says whose it was.</param>
/// <param name="Settings">Per service (api, worker): configuration given as environment variables.</param>
/// <param name="ExportsTelemetry">The services send their traces and logs to the test's OTLP receiver.</param>
/// <param name="RoutesStorageThroughProxy">The API's and the worker's storage connections pass a proxy whose latency a test sets.</param>
/// <param name="BrowsersReachStorageThroughProxy">Presigned URLs (uploads, parts, downloads, segments) point at a proxy in front of storage, which counts what clients send.</param>
/// <param name="HealthyBeforeTests">The resources that must be healthy before the first test runs.</param>
/// <param name="AppHostArguments">The AppHost's own settings beyond the data directory (e.g. <c>--VideoConversion:Database=PostgreSQL</c>).</param>
public sealed record SystemShape(
    string DataDirectoryPrefix,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Settings,
    bool ExportsTelemetry,
    bool RoutesStorageThroughProxy,
    IReadOnlyList<string> HealthyBeforeTests,
    bool BrowsersReachStorageThroughProxy = false,
    IReadOnlyList<string>? AppHostArguments = null)
{
    public const string OnPostgreSql = "--VideoConversion:Database=PostgreSQL";

    /// <summary>The API keeps its jobs in a PostgreSQL server the AppHost runs (not in SQLite).</summary>
    public bool JobsInPostgreSql => AppHostArguments?.Contains(OnPostgreSql) == true;

    /// <summary>The system as users start it, every service waited for, its telemetry received by the test.</summary>
    public static SystemShape Whole { get; } = new(
        "videoconversion-tests-",
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            // Videos at addresses on this machine may be fetched (input_url tests).
            [SystemFixture.Worker] = new Dictionary<string, string>
            {
                ["Outbound__AllowedHosts"] = "127.0.0.1",
                ["Outbound__NameServers"] = TestNameServer.Shared.Address,
            },
            // Quotas a test can reach in seconds, above what any other test holds in one account.
            [SystemFixture.ApiService] = WebhookReceiver.WithSystemSettings(new Dictionary<string, string>
            {
                ["Quotas__MaxActiveJobs"] = SystemFixture.MaxActiveJobs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // S3's smallest part: a multipart upload of a test video has several.
                ["Uploads__PartSize"] = SystemFixture.PartBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Quotas__MaxStoredBytes"] = SystemFixture.MaxStoredBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RateLimits__RequestsPerSecond"] = SystemFixture.RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RateLimits__Burst"] = SystemFixture.Burst.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RateLimits__SignInsPerMinute"] = SystemFixture.SignInsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }),
        },
        ExportsTelemetry: true, RoutesStorageThroughProxy: false,
        HealthyBeforeTests: [SystemFixture.ApiService, SystemFixture.Worker, SystemFixture.Web],
        // The page's uploads are counted where storage receives them (resumed uploads send only what is missing).
        BrowsersReachStorageThroughProxy: true);
}
