using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>The API's calls started on a schedule at the target's rate: the latency the write target asks for, at its rate.</summary>
public static class TargetRateReport
{
    public static void Write(MarkdownText report, BenchmarkSettings settings, IReadOnlyList<ApiBenchmark.Round> rounds, ApiBenchmark.Round middle)
    {
        if (middle.AtTargetRate is not { } paced)
        {
            return;
        }

        var rate = Number(paced.OfferedPerSecond, "N0");
        var clients = settings.ApiConcurrency;
        report.Paragraph(
            $"**At {rate} calls a second.** Clients that each wait for an answer before their next call measure capacity, and tie their rate",
            $"to their latency: rate × mean latency = clients (Little's law). {clients} of them running at exactly {rate}/s wait {Number(clients * 1000 / paced.OfferedPerSecond, "F0")} ms",
            $"on average, so their p99 can be under {WriteTarget.P99Milliseconds} ms only well above {Number(clients * 1000 / WriteTarget.P99Milliseconds, "N0")}/s: the table above judges",
            "the target that way, at full load. Here the same calls are started on a schedule at the target's rate (an open loop, at most",
            $"{clients} in flight), each timed from when it was due, so a call kept waiting by slow answers before it counts its wait, and so does",
            "a call the load tool's timer started late (it wakes each millisecond, later when the machine is busy). The target is judged here",
            "by the rate the clients reached above and this p99, no call failing. Each row is one pass of up to",
            $"{Number(paced.Create.Calls, "N0")} calls (about {Number(paced.Create.Calls / paced.OfferedPerSecond, "F1")} s), so its p99 is decided by its few slowest calls; the same round in the middle",
            "as above, every round's p99 in the last column.");
        report.TableRow("Call", "Calls", "Errors", "Rate", "p50", "p95", "p99", "Against GET (p99)", "Target", "", "Rounds (p99)");
        report.TableRow("---", "---", "---", "---", "---", "---", "---", "---", "---", "---", "---");
        foreach (var phase in new[] { paced.Create, paced.Submit, paced.Read })
        {
            var isWrite = phase.Call != paced.Read.Call;
            var latency = phase.LatencyMilliseconds;
            report.TableRow(
                $"`{phase.Call}`", $"{phase.Calls}", $"{phase.Errors}", $"{Number(phase.PerSecond, "F0")}/s",
                $"{Number(latency.P50 ?? double.NaN, "F1")} ms", $"{Number(latency.P95 ?? double.NaN, "F1")} ms", $"{Number(latency.P99 ?? double.NaN, "F1")} ms",
                isWrite ? $"{Number((latency.P99 ?? double.NaN) / (paced.Read.LatencyMilliseconds.P99 ?? double.NaN), "F2")}×" : "the floor (writes nothing)",
                isWrite ? $"{WriteTarget.Text} at {rate}/s" : "",
                isWrite ? WriteTarget.AtTargetRate(middle, phase.Call) : "",
                string.Join("; ", rounds.Select(round => round.AtTargetRate?.Of(phase.Call).LatencyMilliseconds.P99)
                    .Select(p99 => p99 is { } each ? $"{Number(each, "F0")} ms" : "—")));
        }

        report.Line();
    }
}
