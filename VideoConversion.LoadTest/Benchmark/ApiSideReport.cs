using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The writes as the API itself timed them, over every round (<see cref="ApiSideTimes"/>): how many of its own timings of
/// each write passed the target's p99, against the clients' p99. The clients' latency is the one judged; this says how
/// much of their tail the API's handling of a request holds, and so where the machine they share sets it instead.
/// </summary>
public static class ApiSideReport
{
    /// <summary>A sentence for the report's "Writes"; empty for rounds measured without the API's /metrics.</summary>
    public static string Writes(IReadOnlyList<ApiBenchmark.Round> rounds)
    {
        var passes = rounds.SelectMany(round => WritePasses(round)).Where(pass => pass.Phase.ApiSide is not null).ToList();
        if (passes.Count == 0)
        {
            return "";
        }

        var target = Number(WriteTarget.P99Milliseconds, "F0");
        var calls = string.Join("; ", new[] { ApiCall.Create.Name, ApiCall.Submit.Name }.Select(call =>
            $"`{call}` {Over(passes.Where(pass => pass.Phase.Call == call && !pass.IsPaced).Select(pass => pass.Phase.ApiSide!.Requests))} as fast as the clients go " +
            $"and {Over(passes.Where(pass => pass.Phase.Call == call && pass.IsPaced).Select(pass => pass.Phase.ApiSide!.Requests))} at the target's rate"));
        var flushes = passes.Select(pass => pass.Phase.ApiSide!.Flushes).ToList();
        var batches = passes.Select(pass => pass.Phase.ApiSide!.Batches).ToList();
        return string.Join(' ',
            $"As the API itself timed the writes (`http.server.request.duration`, from a request's headers read to its answer), every round's",
            $"timings over {target} ms were: {calls}.",
            flushes.Sum(step => step.Count) > 0
                ? $"Around those passes the log's flushes took over {target} ms {Over(flushes)} times (the slowest {Slowest(flushes)}), and the writer's batches {Over(batches)} (the slowest {Slowest(batches)})."
                : $"Around those passes the writer's batches took over {target} ms {Over(batches)} times (the slowest {Slowest(batches)}).",
            "Fewer than 1 % of them over it is the API's own p99 under it: where the clients' p99 is above the target while the API's",
            "is not, the rest of their tail was spent outside the API's handling of each request (in its socket and thread-pool",
            "queues, the load tool and the cores they all share).");
    }

    private static IEnumerable<(ApiBenchmark.Phase Phase, bool IsPaced)> WritePasses(ApiBenchmark.Round round)
    {
        yield return (round.Create, false);
        yield return (round.Submit, false);
        if (round.AtTargetRate is { } paced)
        {
            yield return (paced.Create, true);
            yield return (paced.Submit, true);
        }
    }

    /// <summary>"3 of 10,000 (0.03 %)": how many of the steps' timings passed the target.</summary>
    private static string Over(IEnumerable<StepTimes> steps)
    {
        var (over, count) = steps.Aggregate((Over: 0.0, Count: 0.0), (sum, step) => (sum.Over + step.OverTarget, sum.Count + step.Count));
        return count == 0 ? "none timed" : $"{Number(over, "N0")} of {Number(count, "N0")} ({Percent(over / count, 2)})";
    }

    /// <summary>The highest bucket bound any pass's slowest fell in.</summary>
    private static string Slowest(IReadOnlyCollection<StepTimes> steps) =>
        steps.Select(step => step.SlowestAtMostMilliseconds).Max() is { } bound
            ? double.IsPositiveInfinity(bound) ? "beyond the histogram's last bucket" : $"≤ {Number(bound, "0.##")} ms"
            : "none timed";
}
