using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Where a phase's slowest calls fell in it, and the load tool's own pauses during it: what a p99 decided by a few calls is
/// made of. A hold-up (of the API, or of the machine the API and the clients share) delays the calls it holds, in flight or
/// due while it lasts: there is an instant when they were all waiting. The calls are grouped into bunches of calls all
/// waiting at one instant, as one hold-up's would be; calls waiting together need not share one, though (32 busy clients
/// overlap), and one hold-up's calls may fall in neighbouring bunches. Only the slowest calls are kept, so a bunch is the
/// part of its calls among them, and a call alone may be the head of a hold-up's calls.
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
            $"**Where the slowest calls fell** (the round in the middle, its {TimedCall.SlowestKept} slowest calls of each pass). A hold-up, of the API or of",
            "the machine it shares with the clients, delays the calls it holds, in flight or due while it lasts: there is an instant when",
            "they were all waiting. Below, the calls are bunched by such instants, as one hold-up's would be (a bunch counts only those",
            "among the slowest kept; calls waiting together need not share one hold-up, and one hold-up's calls may fall in neighbouring bunches). The load tool's own",
            "garbage collections are hold-ups too, the clients': a call in flight or due during one counts that pause. On a schedule, the",
            "load tool's 1 ms timer woken far past its tick is one sign that it was held up itself (by its own work or pauses, or by the",
            "machine): calls due then were started late by the clients, not answered late by the API alone. Last, what the API's own",
            $"histograms counted between a reading of its /metrics just before the pass and one {Number(ApiSideTimes.CacheWait.TotalSeconds, "0.##")} s or more after it, each step with",
            $"how many took over {Number(WriteTarget.P99Milliseconds, "F0")} ms and the bucket its slowest fell in (a histogram keeps no times): the pass's requests from",
            "when the server had parsed each one's headers to its answer written (a call slow at the client but not there waited outside that",
            "span: in the API process's own socket and thread-pool queues, the network, the machine or the clients), the database",
            "writer's batches (BEGIN to COMMIT), the write-ahead log's fsyncs the writes are answered after, and the checkpoints",
            "beside them. The counts are the window's, not the slowest calls': a slow step there did not necessarily hold them.");
        foreach (var (phase, isPaced) in phases)
        {
            report.Line($"- {Sentence(phase, isPaced)}");
        }

        report.Line();
    }

    /// <summary>
    /// The submissions' slowest calls of the round with the workers running, as <see cref="Write"/> says them for the round
    /// in the middle: whether the API's own steps (its requests, batches and log flushes) were slow in that round, or the
    /// calls waited outside them, is what tells the write path from the machine it shares with the workers.
    /// </summary>
    public static void WriteSubmissions(MarkdownText report, ApiBenchmark.Round workersRunning)
    {
        var submissions = new[] { (Phase: workersRunning.Submit, IsPaced: false) }
            .Concat(workersRunning.AtTargetRate is { } paced ? [(paced.Submit, true)] : [])
            .Where(each => each.Phase.SlowestCalls is { Count: > 0 })
            .ToList();
        if (submissions.Count == 0)
        {
            return; // rounds measured before the calls were kept
        }

        report.Paragraph("Its submissions' slowest calls, and the API's own steps around each pass, as for the round in the middle above:");
        foreach (var (phase, isPaced) in submissions)
        {
            report.Line($"- {Sentence(phase, isPaced)}");
        }

        report.Line();
    }

    /// <summary>One phase's slowest calls in their bunches, and the load tool's pause (a phase that kept its slowest calls).</summary>
    internal static string Sentence(ApiBenchmark.Phase phase, bool isPaced)
    {
        var slowest = phase.SlowestCalls ?? throw new ArgumentException($"{phase.Call}'s phase kept no calls.", nameof(phase));
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
            ? $"; the load tool was paused by its own collections {Number(paused, "F0")} ms in all during the pass"
            : "";
        var timer = phase.LatestTimer is { } late
            ? $"; its 1 ms timer woke at most {Number(late.LateMilliseconds, "F0")} ms late, so calls due " +
              $"{Number(late.AtMilliseconds, "F0")}–{Number(late.AtMilliseconds + PacedCalls.Tick.TotalMilliseconds + late.LateMilliseconds, "F0")} ms started late by it"
            : "";
        return $"`{phase.Call}`{(isPaced ? " at the target's rate" : ", as fast as the clients go")}: its {slowest.Count} slowest calls " +
            $"({Latencies(slowest)}) in {bunches.Count} {(bunches.Count == 1 ? "bunch" : "bunches")}: {listed}{unlisted}{pause}{timer}{ApiSide(phase.ApiSide)}.";
    }

    /// <summary>The API's own count of the pass's slow steps; nothing for a pass without it, or for steps that did not run.</summary>
    private static string ApiSide(ApiSideTimes? api)
    {
        if (api is null)
        {
            return "";
        }

        if (api.Unread is { } unread)
        {
            return $"; the API's /metrics was not read around the pass ({unread})";
        }

        (string Name, StepTimes Times)[] all = [("requests", api.Requests), ("batches", api.Batches), ("log flushes", api.Flushes), ("checkpoints", api.Checkpoints)];
        var steps = all
            .Where(step => step.Times.Count > 0)
            .Select(step => $"{step.Name} {Number(step.Times.OverTarget, "N0")} of {Number(step.Times.Count, "N0")} over " +
                            $"{Number(WriteTarget.P99Milliseconds, "F0")} ms (slowest {step.Times.SlowestSaid})");
        return $"; in the API around the pass: {string.Join(", ", steps.DefaultIfEmpty("nothing counted"))}";
    }

    /// <summary>
    /// The calls in time order, each joining the bunch before it if it started (or was due) before every call of that bunch
    /// was answered: there was an instant when they were all waiting. Otherwise a bunch of its own: no one hold-up held it
    /// with the calls before.
    /// </summary>
    internal static List<List<TimedCall>> Bunches(IEnumerable<TimedCall> calls)
    {
        List<List<TimedCall>> bunches = [];
        var firstAnswered = double.NegativeInfinity; // the last bunch's earliest answer (none before the first call)
        foreach (var call in calls.OrderBy(call => call.AtMilliseconds))
        {
            if (call.AtMilliseconds <= firstAnswered)
            {
                bunches[^1].Add(call);
                firstAnswered = Math.Min(firstAnswered, call.EndMilliseconds);
            }
            else
            {
                bunches.Add([call]);
                firstAnswered = call.EndMilliseconds;
            }
        }

        return bunches;
    }

    private static string Latencies(IReadOnlyCollection<TimedCall> calls)
    {
        var least = calls.Min(call => call.LatencyMilliseconds);
        var most = calls.Max(call => call.LatencyMilliseconds);
        return Math.Round(least) == Math.Round(most) ? $"{Number(most, "F0")} ms" : $"{Number(least, "F0")}–{Number(most, "F0")} ms";
    }
}
