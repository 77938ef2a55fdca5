using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Where a phase's slowest calls fell in it, and the load tool's own pauses during it: what a p99 decided by a few calls is
/// made of. One hold-up (of the API, or of the machine the API and the clients share) of <c>L</c> ms delays every call in
/// flight or due while it lasts: those calls were due (or started) within about <c>L</c> ms of each other, a bunch. Calls
/// slow each on its own fall apart.
/// </summary>
public static class SlowestCallsReport
{
    /// <summary>Bunches listed at most per phase, the earliest first; the rest are counted.</summary>
    private const int BunchesListed = 5;

    public static void Write(MarkdownText report, ApiBenchmark.Round middle)
    {
        var phases = new[] { middle.Create, middle.Submit, middle.Read }.Select(phase => (Phase: phase, IsPaced: false))
            .Concat(middle.AtTargetRate is { } paced ? new[] { paced.Create, paced.Submit, paced.Read }.Select(phase => (Phase: phase, IsPaced: true)) : [])
            .Where(each => each.Phase.SlowestCalls is { Count: > 0 })
            .ToList();
        if (phases.Count == 0)
        {
            return; // rounds measured before the calls were kept
        }

        report.Paragraph(
            "**Where the slowest calls fell** (the round in the middle). One hold-up, of the API or of the machine it shares with the",
            "clients, delays every call in flight or due while it lasts: those calls were due (or, as fast as the clients go, started)",
            "within about the hold-up's length of each other, and show below as a bunch. Calls slow each on its own fall apart. The load",
            "tool's own garbage collections are hold-ups too, the clients': a call in flight or due during one counts that pause.");
        foreach (var (phase, isPaced) in phases)
        {
            report.Line($"- {Sentence(phase, isPaced)}");
        }

        report.Line();
    }

    /// <summary>One phase's slowest calls in their bunches, and the load tool's pause.</summary>
    public static string Sentence(ApiBenchmark.Phase phase, bool isPaced)
    {
        var slowest = phase.SlowestCalls!;
        var bunches = Bunches(slowest);
        var when = isPaced ? "due" : "started";
        var listed = string.Join("; ", bunches.Take(BunchesListed).Select(bunch =>
        {
            var first = bunch.Min(call => call.AtMilliseconds);
            var last = bunch.Max(call => call.AtMilliseconds);
            var at = Math.Round(first) == Math.Round(last) ? $"{Number(first, "F0")} ms" : $"{Number(first, "F0")}–{Number(last, "F0")} ms";
            return $"{bunch.Count} {when} at {at} ({Latencies(bunch)})";
        }));
        var unlisted = bunches.Count > BunchesListed ? $"; {bunches.Count - BunchesListed} more" : "";
        var pause = phase.ClientPauseMilliseconds is { } paused
            ? $"; the load tool's own collections paused it {Number(paused, "F0")} ms in all during the pass"
            : "";
        return $"`{phase.Call}`{(isPaced ? " at the target's rate" : ", as fast as the clients go")}: its {slowest.Count} slowest calls " +
            $"({Latencies(slowest)}) in {bunches.Count} {(bunches.Count == 1 ? "bunch" : "bunches")}: {listed}{unlisted}{pause}.";
    }

    /// <summary>
    /// The calls in time order, a new bunch started by a call due (or started) later after the bunch's first than the
    /// bunch's slowest call took: no one hold-up held them both.
    /// </summary>
    internal static List<List<ApiBenchmark.TimedCall>> Bunches(IEnumerable<ApiBenchmark.TimedCall> calls)
    {
        List<List<ApiBenchmark.TimedCall>> bunches = [];
        foreach (var call in calls.OrderBy(call => call.AtMilliseconds))
        {
            if (bunches.Count > 0 && bunches[^1] is var bunch
                && call.AtMilliseconds - bunch[0].AtMilliseconds <= bunch.Max(each => each.LatencyMilliseconds))
            {
                bunch.Add(call);
            }
            else
            {
                bunches.Add([call]);
            }
        }

        return bunches;
    }

    private static string Latencies(IReadOnlyCollection<ApiBenchmark.TimedCall> calls)
    {
        var least = calls.Min(call => call.LatencyMilliseconds);
        var most = calls.Max(call => call.LatencyMilliseconds);
        return Math.Round(least) == Math.Round(most) ? $"{Number(most, "F0")} ms" : $"{Number(least, "F0")}–{Number(most, "F0")} ms";
    }
}
