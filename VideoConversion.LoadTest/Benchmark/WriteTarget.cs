using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The write path's target: ≥ 1,000 calls a second from 32 clients, p99 under 25 ms. Judged two ways, both reported: at
/// full load (the clients' own p99, as fast as they go) and at the target's rate (the p99 of the calls on a schedule at
/// 1,000/s; <see cref="PacedCalls"/>). A call that failed fails either.
/// </summary>
public static class WriteTarget
{
    public const double P99Milliseconds = 25;

    public static string Text { get; } = $"≥ {Number(ApiBenchmark.TargetRate, "N0")}/s, p99 < {P99Milliseconds} ms";

    /// <summary>The clients as fast as they go: their rate, and their p99 at that rate.</summary>
    public static string AtFullLoad(ApiBenchmark.Phase phase) =>
        Met(phase.PerSecond >= ApiBenchmark.TargetRate && (phase.LatencyMilliseconds.P99 ?? double.NaN) < P99Milliseconds && phase.Errors == 0);

    /// <summary>The clients' rate as fast as they go, and the p99 of the same call on a schedule at the target's rate.</summary>
    public static string AtTargetRate(ApiBenchmark.Round round, string call)
    {
        if (round.AtTargetRate is not { } paced)
        {
            return "not measured";
        }

        var (fastest, scheduled) = (round.Of(call), paced.Of(call));
        return Met(fastest.PerSecond >= ApiBenchmark.TargetRate && fastest.Errors == 0 &&
                   (scheduled.LatencyMilliseconds.P99 ?? double.NaN) < P99Milliseconds && scheduled.Errors == 0);
    }
}
