using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The writes as the API itself timed them, pass by pass over every round (<see cref="ApiSideTimes"/>): how many of its own
/// timings of each write passed the target's p99. The clients' latency is the one judged; this says how much of their
/// tail lies in the span the API times, and so how much the rest of the machine they share sets.
/// </summary>
public static class ApiSideReport
{
    /// <summary>A sentence for the report's "Writes"; empty for rounds measured without the API's /metrics.</summary>
    public static string Writes(IReadOnlyList<ApiBenchmark.Round> rounds)
    {
        var passes = rounds.SelectMany(WritePasses).Where(pass => pass.Phase.ApiSide is not null).ToList();
        var read = passes.Where(pass => pass.Phase.ApiSide!.Unread is null).ToList();
        if (read.Count == 0)
        {
            return passes.Count == 0 ? "" : $"The API's /metrics was not read around any of the {passes.Count} write passes ({passes[0].Phase.ApiSide!.Unread}).";
        }

        var target = Number(WriteTarget.P99Milliseconds, "F0");
        var calls = string.Join("; ", new[] { ApiCall.Create.Name, ApiCall.Submit.Name }.Select(call =>
            $"`{call}` {Over(read.Where(pass => pass.Phase.Call == call && !pass.IsPaced).Select(pass => pass.Phase.ApiSide!.Requests).ToList())} as fast as the clients go " +
            $"and {Over(read.Where(pass => pass.Phase.Call == call && pass.IsPaced).Select(pass => pass.Phase.ApiSide!.Requests).ToList())} at the target's rate"));
        var flushes = read.Select(pass => pass.Phase.ApiSide!.Flushes).ToList();
        var batches = read.Select(pass => pass.Phase.ApiSide!.Batches).ToList();
        return string.Join(' ',
            "As the API itself timed the writes (`http.server.request.duration`, from a request's headers parsed to its answer written),",
            $"in {read.Count} of the {passes.Count} write passes of every round, its timings over {target} ms were: {calls}.",
            flushes.Sum(step => step.Count) > 0
                ? $"Around those passes the log's flushes took over {target} ms {Over(flushes)}, and the writer's batches {Over(batches)}."
                : $"Around those passes the writer's batches took over {target} ms {Over(batches)}.",
            $"A pass with at most 1 % of its timings over {target} ms had the API's own p99 at or under it: where the clients' p99",
            "was above it in such a pass, their slowest calls spent the rest of their time outside the span the API times, before",
            "its headers were parsed or after its answer was written (in the API process's own queues and pauses, the load tool,",
            "the cores they all share).");
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

    /// <summary>"3 of 10,000 (at most 0.4 % in a pass, the slowest ≤ 50 ms)": the steps' timings over the target, all passes together and per pass.</summary>
    private static string Over(IReadOnlyCollection<StepTimes> steps)
    {
        var over = steps.Sum(step => step.OverTarget);
        var count = steps.Sum(step => step.Count);
        if (count == 0)
        {
            return "none timed";
        }

        var mostInAPass = steps.Where(step => step.Count > 0).Max(step => step.OverTarget / step.Count);
        var slowest = steps.MaxBy(step => step.SlowestAtMostMilliseconds ?? double.NegativeInfinity)!;
        return $"{Number(over, "N0")} of {Number(count, "N0")} (at most {Percent(mostInAPass, 2)} in a pass, the slowest {slowest.SlowestSaid})";
    }
}
