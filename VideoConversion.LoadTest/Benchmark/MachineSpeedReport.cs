using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Whether the machine ran FFmpeg at one speed on both sides. The same command on the same input does the same work, so
/// its CPU time differs between raw and system only when each second of the cores did less of it: a busier host (this
/// guest reports no steal time, so the host's share shows as the process's own), a slower clock. The targets are judged
/// on wall time as measured; this says where the machine, not the system, set the number.
/// </summary>
public static class MachineSpeedReport
{
    /// <summary>
    /// FFmpeg's CPU time in the system against alone, as a change (0.10: 10 % more), when the medians lie apart by more
    /// than either side's runs spread; null when they do not, or a side has fewer than two runs.
    /// </summary>
    public static double? Change(IReadOnlyList<double> raw, IReadOnlyList<double> system)
    {
        if (raw.Count < 2 || system.Count < 2)
        {
            return null;
        }

        var difference = Median(system) - Median(raw);
        return Math.Abs(difference) > Math.Max(Range(raw), Range(system)) ? difference / Median(raw) : null;
    }

    /// <summary>The pipeline table's rows: FFmpeg's CPU time per transcode, and per job of the throughput runs.</summary>
    public static void WriteRows(MarkdownText report, SystemBenchmark.Results results)
    {
        if (results.Cpu is not { SystemTranscodeRuns.Count: > 0 } cpu)
        {
            return;
        }

        Row("FFmpeg's CPU time, per transcode", cpu.RawTranscodeRuns, cpu.SystemTranscodeRuns);
        if (cpu.SystemThroughputPerJob.Count > 0)
        {
            Row("FFmpeg's CPU time per job, throughput", cpu.RawThroughputPerJob, cpu.SystemThroughputPerJob);
        }

        void Row(string name, IReadOnlyList<double> raw, IReadOnlyList<double> system) =>
            report.TableRow(name, $"{Number(Median(raw))} s", $"{Number(Median(system))} s",
                $"{Number(Median(system) / Median(raw), "F3")}×", "the same work: the machine's speed", "");
    }

    /// <summary>Each run's CPU time, for the runs' paragraph; empty when not measured.</summary>
    public static string Runs(SystemBenchmark.Results results) =>
        results.Cpu is { SystemTranscodeRuns.Count: > 0 } cpu
            ? $"; FFmpeg's CPU time (s), raw against the workers' child processes (FFmpeg, and ffprobe where a worker runs it): transcode raw {List(cpu.RawTranscodeRuns)}, system {List(cpu.SystemTranscodeRuns)}" +
              (cpu.SystemThroughputPerJob.Count > 0 ? $", per throughput job raw {List(cpu.RawThroughputPerJob)}, system {List(cpu.SystemThroughputPerJob)}" : "")
            : "";

    /// <summary>What FFmpeg's CPU time says of the transcode's overhead; empty when not measured.</summary>
    /// <param name="timeRatio">The system's median time over raw FFmpeg's.</param>
    public static string Transcode(SystemBenchmark.Results results, double timeRatio) =>
        results.Cpu is { SystemTranscodeRuns.Count: > 0 } cpu
            ? Sentence("transcode", cpu.RawTranscodeRuns, cpu.SystemTranscodeRuns,
                cpuRatio => $"the system's overhead is {Percent(timeRatio / cpuRatio - 1)}", cpuRatio => timeRatio / cpuRatio - 1 <= 0.05, timeRatio - 1 <= 0.05)
            : "";

    /// <summary>What FFmpeg's CPU time per job says of the throughput; empty when not measured.</summary>
    /// <param name="throughputRatio">The system's jobs a minute over the raw loop's.</param>
    public static string Throughput(SystemBenchmark.Results results, double throughputRatio) =>
        results.Cpu is { SystemThroughputPerJob.Count: > 0 } cpu
            ? Sentence("throughput's jobs", cpu.RawThroughputPerJob, cpu.SystemThroughputPerJob,
                cpuRatio => $"the system runs at {Percent(throughputRatio * cpuRatio)} of the raw loop", cpuRatio => throughputRatio * cpuRatio >= 0.95,
                throughputRatio >= 0.95)
            : "";

    /// <param name="scaled">The measured ratio with FFmpeg's CPU time the same on both sides, given the system's CPU over raw's.</param>
    /// <param name="metScaled">Whether that meets the target.</param>
    /// <param name="metAsMeasured">Whether the ratio as measured does.</param>
    private static string Sentence(
        string work, IReadOnlyList<double> raw, IReadOnlyList<double> system, Func<double, string> scaled, Func<double, bool> metScaled, bool metAsMeasured)
    {
        var medians = $"(medians: raw {Number(Median(raw))} s, system {Number(Median(system))} s)";
        if (raw.Count < 2 || system.Count < 2)
        {
            return $"FFmpeg's CPU time for the {work} {medians} comes from one run of a side, with no spread to weigh it against.";
        }

        if (Change(raw, system) is not { } change)
        {
            return $"FFmpeg's CPU time for the {work} was the same on both sides within its runs' spread {medians}: the machine ran " +
                   "FFmpeg at one speed, so a difference in time beyond the spread is the system's.";
        }

        var cpuRatio = 1 + change;
        var verdict = (metScaled(cpuRatio), metAsMeasured) switch
        {
            (true, false) => "within the target: here the machine, not the system, sets the number",
            (false, true) => "short of the target: the machine's speed, not the system, met it",
            (true, true) => "within the target either way",
            (false, false) => "short of the target either way: the system's cost, not the machine's speed alone",
        };
        return $"FFmpeg's CPU time for the same {work} was {Percent(Math.Abs(change))} {(change > 0 ? "more" : "less")} in the system {medians}, " +
               $"beyond its runs' spread: the same work took {(change > 0 ? "more" : "less")} of the cores' time, which the machine decides, " +
               $"not the pipeline. Scaled by it, {scaled(cpuRatio)}, {verdict}.";
    }

    private static string List(IEnumerable<double> runs) => string.Join(" ", runs.Select(run => Number(run)));

    private static double Range(IReadOnlyList<double> runs) => runs.Max() - runs.Min();

    private static double Median(IEnumerable<double> values) => Percentiles.Of(values, 50) ?? double.NaN;
}
