using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// How much of the machine the API had while its calls were timed as fast as the clients go, and what took the rest: the
/// round in the middle (the workers paused) and the round with the workers running, pass by pass. On a machine the API
/// shares, a pass whose API had fewer cores measures the machine as much as the API.
/// </summary>
public static class ApiCoresReport
{
    public static void Write(MarkdownText report, ApiBenchmark.Round middle, ApiBenchmark.Round? workersRunning)
    {
        var measured = Passes(middle, "paused").Concat(workersRunning is null ? [] : Passes(workersRunning, "running"))
            .Where(pass => pass.Phase.Cores is not null).Select(pass => (pass.Name, pass.Phase, Cores: pass.Phase.Cores!)).ToList();
        var passes = measured.Where(pass => Seconds(pass.Cores) >= ShortestSeconds).ToList();
        var tooShort = measured.Except(passes).ToList();
        if (measured.Count == 0)
        {
            return;
        }

        var cores = measured.Max(pass => pass.Cores.Cores);
        var parts = SystemParts.InReportOrder(passes.SelectMany(pass => pass.Cores.Parts.Keys)).ToList();
        report.Paragraph(
            $"**Where the machine's {cores} cores went during each pass** as fast as the clients go (the workers paused: the round in",
            "the middle, as in the first table; running: the round just above), as Linux counts their time (/proc): cores busy on average over the",
            "pass, by part of the system in its own processes (the load tool's process holds the clients, the sink the telemetry goes",
            "to, and this clock), the workers' children apart (each job's ffprobe, here rejecting a text file, and FFmpeg, counted once a",
            "worker has waited for them), the rest of the machine (the kernel's own work, processes that ended meanwhile, anything",
            "else running, and what the hypervisor took where it counts that), and idle; a row adds up to the cores. Linux counts in",
            $"ticks of {Number(1000 / ProcessStat.TicksPerSecond, "F0")} ms, so over a pass of a third of a second each figure is within about 0.06 of a core;",
            $"a pass shorter than {Number(ShortestSeconds, "F1")} s is left out" +
            (tooShort.Count == 0 ? "." : $": {string.Join("; ", tooShort.Select(pass => $"{pass.Name} ({Number(Seconds(pass.Cores))} s)"))}."));
        if (passes.Count == 0)
        {
            return;
        }

        report.TableRow(["Pass", "Seconds", .. parts, "The workers' children (ffprobe, FFmpeg)", "The rest of the machine", "Idle"]);
        report.TableRow(["---", "---", .. parts.Select(_ => "---"), "---", "---", "---"]);
        foreach (var (name, _, time) in passes)
        {
            report.TableRow([name, Number(Seconds(time)), .. parts.Select(part => Number(time.OnAverage(time.Parts.GetValueOrDefault(part)))),
                Number(time.OnAverage(time.Converting)), Number(time.OnAverage(time.Rest)), Number(time.OnAverage(time.Idle))]);
        }

        report.Line();
        var submissions = passes.Where(pass => pass.Phase.Call == ApiCall.Submit.Name).ToList();
        if (submissions is [var paused, var running])
        {
            // The API's CPU per call tells the two apart: the same per call on fewer cores is the machine's share, not more work.
            report.Paragraph(
                $"During `{ApiCall.Submit.Name}` the API had {Number(running.Cores.OnAverage(ApiOf(running.Cores)))} cores with the workers running",
                $"({CpuPerCall(running.Phase, running.Cores)} of its CPU per call), against {Number(paused.Cores.OnAverage(ApiOf(paused.Cores)))} with them paused",
                $"({CpuPerCall(paused.Phase, paused.Cores)} per call); the workers and their children took {Number(running.Cores.OnAverage(WorkersOf(running.Cores)))}",
                $"of the {cores} meanwhile.");
        }
    }

    /// <summary>
    /// The shortest pass shown: each figure is read at the start and the stop to a tick, so a part's error is up to two
    /// ticks (20 ms of CPU), a tenth of a core over this long; shorter, the ticks, not the pass, decide the row.
    /// </summary>
    private const double ShortestSeconds = 0.2;

    /// <summary>The stretch's wall time: its cores' time over the cores.</summary>
    private static double Seconds(CoresTime time) => time.Total / time.Cores;

    private static IEnumerable<(string Name, ApiBenchmark.Phase Phase)> Passes(ApiBenchmark.Round round, string workers) =>
        new[] { round.Create, round.Submit, round.Read }.Select(phase => ($"`{phase.Call}`, the workers {workers}", phase));

    private static string CpuPerCall(ApiBenchmark.Phase phase, CoresTime time) =>
        phase.Calls > 0 ? $"{Number(ApiOf(time) * 1000 / phase.Calls, "F2")} ms" : "no call";

    private static double ApiOf(CoresTime time) => time.Parts.GetValueOrDefault(SystemParts.Api);

    private static double WorkersOf(CoresTime time) => time.Parts.GetValueOrDefault(SystemParts.Workers) + time.Converting;
}
