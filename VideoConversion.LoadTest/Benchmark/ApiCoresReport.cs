using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// How many of the machine's cores the API used while its calls were timed as fast as the clients go, and what used the
/// rest: the round in the middle (the workers paused) and the round with the workers running, pass by pass. Idle cores
/// in a pass say the machine still had some to give.
/// </summary>
public static class ApiCoresReport
{
    public static void Write(MarkdownText report, ApiBenchmark.Round middle, ApiBenchmark.Round? workersRunning)
    {
        var measured = Passes(middle, "paused").Concat(workersRunning is null ? [] : Passes(workersRunning, "running"))
            .Where(pass => pass.Phase.Cores is not null).Select(pass => (pass.Name, pass.Phase, Cores: pass.Phase.Cores!)).ToList();
        var passes = measured.Where(pass => pass.Cores.WallSeconds >= ShortestSeconds).ToList();
        var tooShort = measured.Except(passes).ToList();
        if (measured.Count == 0)
        {
            return;
        }

        var cores = measured.Max(pass => pass.Cores.Cores);
        string[] leftOut = tooShort.Count == 0
            ? []
            : [$"Left out, shorter than {Number(ShortestSeconds, "F1")} s (/proc counts in ticks of {Number(1000 / ProcessStat.TicksPerSecond, "F0")} ms, " +
              $"which would decide such a row): {string.Join("; ", tooShort.Select(pass => $"{pass.Name} ({Number(pass.Cores.WallSeconds, "F3")} s)"))}."];
        if (passes.Count == 0)
        {
            report.Paragraph([$"**Where the machine's {cores} cores went during each pass** as fast as the clients go: not shown.", .. leftOut]);
            return;
        }

        var parts = SystemParts.InReportOrder(passes.SelectMany(pass => pass.Cores.Parts.Keys)).ToList();
        var shortest = passes.Min(pass => pass.Cores.WallSeconds);
        report.Paragraph([
            $"**Where the machine's {cores} cores went during each pass** as fast as the clients go (the workers paused: the round in",
            "the middle, as in the first table; running: the round just above), as Linux counts their time (/proc) over the wall",
            "time the load tool's clock ran around the pass (its Seconds): cores busy on",
            "average over the pass, by part of the system in its own processes (the load tool's process holds the clients, the sink",
            "the telemetry goes to, and this clock), the workers' children apart (each job's ffprobe, here rejecting a text file:",
            "a child's whole time falls in the pass in which its worker waited for it, and one still running at the pass's end",
            "falls to the rest), the rest of the machine (the kernel's own work, processes that ended meanwhile, anything else",
            "running, and what the hypervisor took where it counts that), and idle; a row adds up to the cores. Linux counts each",
            $"process's time in ticks of {Number(1000 / ProcessStat.TicksPerSecond, "F0")} ms, so over the shortest pass shown ({Number(shortest)} s) a process's figure is within",
            $"about {Number(2 / ProcessStat.TicksPerSecond / shortest, "F3")} of a core, and a part of several processes, the rest and idle within a few times that.", .. leftOut]);
        report.TableRow(["Pass", "Seconds", .. parts, "The workers' children (ffprobe)", "The rest of the machine", "Idle"]);
        report.TableRow(["---", "---", .. parts.Select(_ => "---"), "---", "---", "---"]);
        foreach (var (name, _, time) in passes)
        {
            report.TableRow([name, Number(time.WallSeconds), .. parts.Select(part => CoresOf(time, time.Parts.GetValueOrDefault(part))),
                CoresOf(time, time.Converting), CoresOf(time, time.Rest), CoresOf(time, time.Idle)]);
        }

        report.Line();
        var submissions = passes.Where(pass => pass.Phase.Call == ApiCall.Submit.Name).ToList();
        if (submissions is [var paused, var running])
        {
            // CPU per call made, not per call's work: with the workers running, the API also records the uploads' events
            // and applies the workers' reports during the pass.
            report.Paragraph(
                $"During `{ApiCall.Submit.Name}` the API was busy on {Number(running.Cores.OnAverage(ApiOf(running.Cores)))} cores on average with the workers running",
                $"and on {Number(paused.Cores.OnAverage(ApiOf(paused.Cores)))} with them paused; its CPU over the pass per call made was {CpuPerCall(running.Phase, running.Cores)}",
                $"running (which holds its recording of the uploads' events and applying the workers' reports too) and {CpuPerCall(paused.Phase, paused.Cores)} paused.",
                $"With the workers running, they and their children used {Number(running.Cores.OnAverage(WorkersOf(running.Cores)))} of the {cores} cores,",
                $"and {Number(running.Cores.OnAverage(running.Cores.Idle))} were idle.");
        }
    }

    /// <summary>
    /// The shortest pass shown: each figure is read at the start and the stop to a tick, so a part's error is up to two
    /// ticks (20 ms of CPU), a tenth of a core over this long; shorter, the ticks, not the pass, decide the row.
    /// </summary>
    private const double ShortestSeconds = 0.2;

    private static IEnumerable<(string Name, ApiBenchmark.Phase Phase)> Passes(ApiBenchmark.Round round, string workers) =>
        new[] { round.Create, round.Submit, round.Read }.Select(phase => ($"`{phase.Call}`, the workers {workers}", phase));

    /// <summary>
    /// Cores busy on average, to two decimals: a figure the ticks' rounding left just below zero is printed as 0.00, not
    /// "-0.00" (adding +0.0 turns a rounded -0.0 into +0.0).
    /// </summary>
    private static string CoresOf(CoresTime time, double seconds) => Number(Math.Round(time.OnAverage(seconds), 2) + 0.0);

    private static string CpuPerCall(ApiBenchmark.Phase phase, CoresTime time) =>
        phase.Calls > 0 ? $"{Number(ApiOf(time) * 1000 / phase.Calls, "F2")} ms" : "no call";

    private static double ApiOf(CoresTime time) => time.Parts.GetValueOrDefault(SystemParts.Api);

    private static double WorkersOf(CoresTime time) => time.Parts.GetValueOrDefault(SystemParts.Workers) + time.Converting;
}
