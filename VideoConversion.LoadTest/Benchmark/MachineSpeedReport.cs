using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;
using static VideoConversion.LoadTest.Reports.Percentiles;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Whether FFmpeg ran at one speed on both sides. Both sides run the same commands on the same input (FFmpeg, and the
/// ffprobe a job runs before it), so their CPU time differs only where each second of the cores did less of the work:
/// the machine running slower (a busier host; this guest reports no steal time, so the host's share shows as the
/// process's own), or what runs beside FFmpeg in the system contending for caches and memory. The measurement cannot tell
/// those two apart, and says so. The targets stay judged on wall time as measured; this says how much of an overhead
/// FFmpeg's own slower run accounts for, and what is left for the pipeline's stages.
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

    /// <summary>FFmpeg's CPU time in one comparison's runs: raw, each run's; in the system, each run's, null where its workers could not be read.</summary>
    private sealed record Sides(IReadOnlyList<double> Raw, IReadOnlyList<double?> SystemRuns)
    {
        /// <summary>The system's runs that were read.</summary>
        public IReadOnlyList<double> SystemRead { get; } = [.. SystemRuns.OfType<double>()];
    }

    /// <summary>The per-job transcodes' and the throughput runs' sides; null when FFmpeg's CPU time was not measured.</summary>
    private static (Sides Transcode, Sides Throughput)? CpuOf(SystemBenchmark.Results results) =>
        results is { Cpu: { } cpu, Cores: { } cores }
            ? (new Sides(cpu.RawTranscodeRuns, Converting(cores.SystemTranscodeRuns)), new Sides(cpu.RawThroughputPerJob, Converting(cores.SystemThroughputPerJob)))
            : null;

    /// <summary>The system's FFmpeg CPU time in each run: its workers' children converting, null where unread.</summary>
    private static IReadOnlyList<double?> Converting(IReadOnlyList<CoresTime?> runs) => [.. runs.Select(run => run?.Converting)];

    /// <summary>The pipeline table's rows: FFmpeg's CPU time per transcode, and per job of the throughput runs.</summary>
    public static void WriteRows(MarkdownText report, SystemBenchmark.Results results)
    {
        if (CpuOf(results) is not ({ } transcode, { } throughput))
        {
            return;
        }

        Row("FFmpeg's CPU time, per transcode", transcode);
        Row("FFmpeg's CPU time per job, throughput", throughput);

        // A side whose workers could not be read has no row; the runs' paragraph says so.
        void Row(string name, Sides sides)
        {
            if (sides.SystemRead.Count > 0)
            {
                var (raw, system) = (Median(sides.Raw), Median(sides.SystemRead));
                report.TableRow(name, $"{Number(raw)} s", $"{Number(system)} s", $"{Number(system / raw, "F3")}×", "", "");
            }
        }
    }

    /// <summary>Each run's CPU time, for the runs' paragraph, and the runs whose workers could not be read; empty when not measured.</summary>
    public static string Runs(SystemBenchmark.Results results)
    {
        if (CpuOf(results) is not ({ } transcode, { } throughput))
        {
            return "";
        }

        if (transcode.SystemRead.Count == 0 && throughput.SystemRead.Count == 0)
        {
            return "; FFmpeg's CPU time in the system could not be read (its workers were not all found among this machine's processes, or one ended during each run)";
        }

        return "; FFmpeg's CPU time (s), the same commands on both sides with the ffprobe a job runs on its input (raw: this tool's " +
               $"child processes; system: the workers'): transcode {Both(transcode)}, per throughput job {Both(throughput)}";

        static string Both(Sides sides) =>
            $"raw {List(sides.Raw)}, system {(sides.SystemRead.Count > 0 ? string.Join(" ", sides.SystemRuns.Select(Run)) : "unread")}" +
            (sides.SystemRead.Count is > 0 and var read && read < sides.SystemRuns.Count
                ? $" ({sides.SystemRuns.Count - read} of {sides.SystemRuns.Count} system runs unread: its workers not all found, or one ended during the run)"
                : "");
    }

    /// <summary>What FFmpeg's CPU time says of the transcode's overhead; empty when not measured.</summary>
    /// <param name="timeRatio">The system's median time over raw FFmpeg's.</param>
    public static string Transcode(SystemBenchmark.Results results, double timeRatio) =>
        CpuOf(results) is ({ SystemRead.Count: > 0 } sides, _)
            ? Sentence("transcode", sides.Raw, sides.SystemRead, timeRatio,
                left => $"the overhead would be {Percent(left - 1)}", left => left - 1 <= 0.05, timeRatio - 1 <= 0.05)
            : "";

    /// <summary>What FFmpeg's CPU time per job says of the throughput; empty when not measured.</summary>
    /// <param name="throughputRatio">The system's jobs a minute over the raw loop's.</param>
    public static string Throughput(SystemBenchmark.Results results, double throughputRatio) =>
        CpuOf(results) is (_, { SystemRead.Count: > 0 } sides)
            ? Sentence("throughput's jobs", sides.Raw, sides.SystemRead, 1 / throughputRatio,
                left => $"the system would run at {Percent(1 / left)} of the raw loop", left => 1 / left >= 0.95, throughputRatio >= 0.95)
            : "";

    /// <summary>
    /// Each system run against the raw run just before it, each side's time divided by its own FFmpeg's CPU time: how much
    /// longer the system took than raw FFmpeg for the same FFmpeg work (0.02: 2 % longer), at FFmpeg's speed in each run.
    /// Neighbouring runs share the machine's slow and fast moments, which the medians' comparison leaves to the spread. This
    /// takes out what made FFmpeg need more or less CPU time for the same work (the machine's speed, or contention for caches
    /// and memory beside it); time FFmpeg waited for a core stays in. One entry per run, null for a system run whose workers
    /// could not be read. Null when the runs cannot be paired: sides of other counts of runs, fewer than two pairs read, or a
    /// time that is not above zero.
    /// </summary>
    /// <param name="rawSeconds">Each raw run's time per job.</param>
    /// <param name="rawCpu">Each raw run's FFmpeg CPU time per job.</param>
    /// <param name="systemSeconds">Each system run's time per job, in the raw runs' order.</param>
    /// <param name="systemCpu">Each system run's FFmpeg CPU time per job, null where unread.</param>
    public static IReadOnlyList<double?>? PairedChanges(
        IReadOnlyList<double> rawSeconds, IReadOnlyList<double> rawCpu, IReadOnlyList<double> systemSeconds, IReadOnlyList<double?> systemCpu)
    {
        var pairs = rawSeconds.Count;
        var read = systemCpu.OfType<double>().ToList();
        if (read.Count < 2 || rawCpu.Count != pairs || systemSeconds.Count != pairs || systemCpu.Count != pairs ||
            !new[] { rawSeconds, rawCpu, systemSeconds, read }.All(times => times.All(time => double.IsFinite(time) && time > 0)))
        {
            return null;
        }

        return Enumerable.Range(0, pairs)
            .Select(run => systemCpu[run] is { } cpu ? systemSeconds[run] / cpu / (rawSeconds[run] / rawCpu[run]) - 1 : (double?)null)
            .ToList();
    }

    /// <summary>The transcode's overhead paired run by run, at FFmpeg's speed in each; empty when the runs cannot be paired.</summary>
    public static string PairedTranscode(SystemBenchmark.Results results)
    {
        if (CpuOf(results) is not ({ } sides, _) ||
            PairedChanges(results.RawTranscodeRuns, sides.Raw, results.SystemTranscodeRuns, sides.SystemRuns) is not { } changes)
        {
            return "";
        }

        var runs = string.Join(", ", changes.Select(change => change is { } read ? WithSign(read * 100, "F1") + " %" : "unread"));
        var median = Median(changes.OfType<double>().ToList());
        return "Paired run by run rather than by medians (each system run against the raw run just before it, each side's time " +
               "divided by its own FFmpeg's CPU time, so a run at a slow moment of the machine is scaled to that moment's speed), " +
               $"the system's overhead over raw FFmpeg: {runs}; {MedianOf(changes)} {WithSign(median * 100, "F1")} %, " +
               $"{Verdict(median <= 0.05, changes.Count(change => change <= 0.05), changes.Count(change => change is not null))}. This takes out what made FFmpeg need more or less CPU time for the same work " +
               "(the machine's speed, or contention for caches and memory beside it); time FFmpeg waited for a core stays in.";
    }

    /// <summary>The throughput paired run by run, at FFmpeg's speed in each; empty when the runs cannot be paired.</summary>
    public static string PairedThroughput(SystemBenchmark.Results results)
    {
        if (CpuOf(results) is not (_, { } sides) || results is not { RawThroughputRuns: { } raw, SystemThroughputRuns: { } system } ||
            PairedChanges(SecondsPerJob(raw), sides.Raw, SecondsPerJob(system), sides.SystemRuns) is not { } changes)
        {
            return "";
        }

        // Jobs a minute are the inverse of the time per job: the system at 1 / (1 + change) of the raw loop.
        var shares = changes.Select(change => 1 / (1 + change)).ToList();
        var median = Median(shares.OfType<double>().ToList());
        return "Paired run by run (each system run against the raw run just before it, each side's time divided by its own FFmpeg's " +
               "CPU time), the system's jobs a minute against the raw loop's: " +
               $"{string.Join(", ", shares.Select(share => share is { } read ? Percent(read) : "unread"))}; {MedianOf(changes)} {Percent(median)}, " +
               $"{Verdict(median >= 0.95, shares.Count(share => share >= 0.95), shares.Count(share => share is not null))}.";

        static List<double> SecondsPerJob(IEnumerable<double> jobsPerMinute) => jobsPerMinute.Select(rate => 60 / rate).ToList();
    }

    /// <summary>"median", or which runs it is of when a system run was unread (its workers not all found, or one ended).</summary>
    private static string MedianOf(IReadOnlyList<double?> changes) =>
        changes.Any(change => change is null) ? $"median of the {changes.Count(change => change is not null)} runs read" : "median";

    private static string Run(double? seconds) => seconds is { } read ? Number(read) : "unread";

    /// <summary>The median's verdict, and how many of the pairs read were within the target on their own.</summary>
    private static string Verdict(bool met, int pairsWithin, int pairsRead) =>
        (met ? "within the target at each run's own FFmpeg speed" : "short of the target even at each run's own FFmpeg speed") +
        $" ({pairsWithin} of {pairsRead} pairs within it)";

    /// <param name="timeRatio">The system's time per job over raw FFmpeg's.</param>
    /// <param name="scaled">
    /// The result with FFmpeg's extra CPU time taken out, given the time ratio left: the measured ratio less the CPU's
    /// change, as if only FFmpeg had run slower (the pipeline's stages wait on storage and the broker more than on the cores).
    /// </param>
    /// <param name="metScaled">Whether that meets the target.</param>
    /// <param name="metAsMeasured">Whether the result as measured does.</param>
    private static string Sentence(
        string work, IReadOnlyList<double> raw, IReadOnlyList<double> system, double timeRatio,
        Func<double, string> scaled, Func<double, bool> metScaled, bool metAsMeasured)
    {
        var medians = $"(medians: raw {Number(Median(raw))} s, system {Number(Median(system))} s)";
        if (raw.Count < 2 || system.Count < 2)
        {
            return $"FFmpeg's CPU time for the {work} {medians} comes from one run of a side, with no spread to weigh it against.";
        }

        if (Change(raw, system) is not { } change)
        {
            return $"FFmpeg's CPU time for the {work} was the same on both sides within its runs' spread {medians}: FFmpeg " +
                   "ran at one speed, so a difference in time beyond the spread is the pipeline's.";
        }

        var (more, less) = change > 0 ? ("more", "less") : ("less", "more");
        var cause = change > 0
            ? "because the machine ran slower, or because of what ran beside FFmpeg in the system (this measurement cannot tell which)"
            : "because the machine ran faster during the system's runs, or FFmpeg met less contention there (this measurement cannot tell which)";
        var measured = $"FFmpeg's CPU time for the same {work} was {Percent(Math.Abs(change))} {more} in the system {medians}, beyond its " +
                       $"runs' spread: each second of the cores did {less} of the same work, {cause}.";
        var left = timeRatio - change;
        if (change > 0 && left <= 1)
        {
            // FFmpeg's wall time grew less than its CPU time (its threads had cores to spare): how much of the difference it
            // caused is not known, only that it could be all of it.
            return $"{measured} FFmpeg's slower run could account for all of the difference in time; this measurement cannot say how much of it is the pipeline's.";
        }

        if (change < 0 && left < 1)
        {
            return $"{measured} Taken out, the system would still be faster than FFmpeg alone, which nothing the pipeline does can make it: the runs' timing decides this number.";
        }

        var verdict = (metScaled(left), metAsMeasured) switch
        {
            (true, false) => "within the target: if the machine, not what ran beside FFmpeg, slowed it, the machine puts the measured number past the target",
            (false, true) => "short of the target: FFmpeg running faster in the system met it",
            (true, true) => "within the target either way",
            (false, false) => "short of the target either way",
        };
        return $"{measured} Taken out (as if FFmpeg had run at the raw runs' speed), {scaled(left)}, {verdict}.";
    }

    private static string List(IEnumerable<double> runs) => string.Join(" ", runs.Select(run => Number(run)));
}
