namespace VideoConversion.Infrastructure.Telemetry;

/// <summary>Histogram bucket boundaries that fit what is measured; the SDK's defaults are made for milliseconds.</summary>
public static class DurationBuckets
{
    /// <summary>Seconds, from a queue that is empty to a four-hour conversion (the longest the broker allows).</summary>
    public static readonly IReadOnlyList<double> JobSeconds =
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

    /// <summary>Seconds for what takes a fraction of a millisecond to a second: a database commit, a batch of writes.</summary>
    public static readonly IReadOnlyList<double> FastSeconds =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

    /// <summary>Media seconds converted per wall-clock second: below 1 is slower than real time.</summary>
    public static readonly IReadOnlyList<double> SpeedMultiples =
        [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256];
}
