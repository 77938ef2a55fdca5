using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// One call of a phase: when it started (on a schedule, when it was due), from the phase's start, and how long it took from
/// then. A struct: a phase times thousands of calls, and the load tool's own collections count against its measurements.
/// </summary>
public readonly record struct TimedCall(double AtMilliseconds, double LatencyMilliseconds)
{
    /// <summary>How many of its slowest calls a phase keeps.</summary>
    public const int SlowestKept = 20;

    /// <summary>The <see cref="SlowestKept"/> slowest of <paramref name="calls"/>, in the order they started or were due.</summary>
    public static List<TimedCall> Slowest(IEnumerable<TimedCall> calls) =>
        [.. calls.OrderByDescending(call => call.LatencyMilliseconds).Take(SlowestKept).OrderBy(call => call.AtMilliseconds)];

    /// <summary>When the call was answered (or gave up), from the phase's start.</summary>
    [JsonIgnore]
    public double EndMilliseconds => AtMilliseconds + LatencyMilliseconds;
}
