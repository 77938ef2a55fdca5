using System.Globalization;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A whole system of its own for fault tests, which kill and restart its processes and slow its
/// storage down. The worker drains for <see cref="WorkerDrainTimeout"/> on SIGTERM, short enough
/// to test both sides of it.
/// </summary>
public sealed class FaultSystemFixture() : SystemFixture(Shape)
{
    public static readonly TimeSpan WorkerDrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The API's upload limit here: above the longest input a fault test makes (the SIGTERM tests
    /// size theirs to the machine's speed), small enough to send a larger file in seconds.
    /// </summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>The API's stall limit here: the shortest allowed, so the reconciler acts within a test's patience.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(1);

    /// <summary>The worker's pixel budget here: a cheap 1080p file of a few minutes can pass it.</summary>
    public const double MaxPixels = 2e10;

    private static SystemShape Shape => new(
        "videoconversion-faults-",
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [Worker] = new Dictionary<string, string>
            {
                ["Conversion__DrainTimeout"] = WorkerDrainTimeout.ToString(),
                ["Conversion__Preset"] = "veryfast",
                ["Conversion__MaxPixels"] = MaxPixels.ToString(CultureInfo.InvariantCulture),
            },
            [ApiService] = new Dictionary<string, string>
            {
                ["Uploads__MaxFileBytes"] = MaxFileBytes.ToString(CultureInfo.InvariantCulture),
                ["Jobs__StallLimit"] = StallLimit.ToString(),
            },
        },
        ExportsTelemetry: false,
        RoutesStorageThroughProxy: true,
        HealthyBeforeTests: [ApiService, Worker]);

    /// <summary>Stops the worker (SIGTERM, a clean exit) and starts it again, with the settings as they are now.</summary>
    public async Task RestartWorkerAsync()
    {
        await TerminateWorkerAsync(WorkerDrainTimeout + TimeSpan.FromSeconds(30));
        await StartWorkerAsync();
    }
}

/// <summary>Fault tests run alone, after the others: they load the machine and kill processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultySystem : ICollectionFixture<FaultSystemFixture>
{
    public const string Name = "Faulty system";
}
