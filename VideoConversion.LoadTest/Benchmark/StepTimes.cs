using System.Text.Json.Serialization;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// How many times a step ran in a pass, how many of those took longer than the write target's p99
/// (<see cref="WriteTarget.P99Milliseconds"/>), and the upper bound of the lowest histogram bucket that holds the slowest
/// (a histogram keeps no exact times).
/// </summary>
/// <param name="SlowestAtMostMilliseconds">Infinity when the slowest was beyond the last bucket (written "Infinity" in JSON).</param>
public sealed record StepTimes(
    double Count, double OverTarget,
    [property: JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double? SlowestAtMostMilliseconds)
{
    /// <param name="pass">A histogram in seconds over the pass; the write target's p99 is a bound of its buckets (ASP.NET Core's and the API's own are).</param>
    public static StepTimes Of(PrometheusHistogram pass) => new(
        pass.Count,
        pass.Count - pass.CountAtMost(WriteTarget.P99Milliseconds / 1000),
        // To the microsecond: a bound of 0.05 s is 50 ms, not 50.000000000000007.
        pass.SlowestAtMost is { } bound ? Math.Round(bound * 1000, 3) : null);

    /// <summary>The slowest as the report says it: "≤ 2.5 ms" (a bucket's bound), "beyond the last bucket", or "none".</summary>
    [JsonIgnore]
    public string SlowestSaid => SlowestAtMostMilliseconds switch
    {
        null => "none",
        double.PositiveInfinity => "beyond the last bucket",
        var bound => $"≤ {MarkdownText.Number(bound.Value, "0.##")} ms",
    };
}
