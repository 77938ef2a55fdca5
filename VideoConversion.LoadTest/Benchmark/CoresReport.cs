using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Where the cores' time went while the per-job transcodes and the throughput runs were timed, raw and in the system:
/// what the system spends besides FFmpeg, and whether FFmpeg itself got less of the cores.
/// </summary>
public static class CoresReport
{
    public static void Write(MarkdownText report, SystemBenchmark.CoresMeasurement measurement, int workers)
    {
        var columns = new (string Name, IReadOnlyList<CoresTime> Raw, IReadOnlyList<CoresTime> System)[]
        {
            ("Transcode, per job", measurement.RawTranscodeRuns, Read(measurement.SystemTranscodeRuns)),
            ("Throughput, per job", measurement.RawThroughputPerJob, Read(measurement.SystemThroughputPerJob)),
        }.Where(column => column.Raw.Count > 0 && column.System.Count > 0).ToList();
        if (columns.Count == 0)
        {
            return;
        }

        // Each run's figures are already per job: the runs' sum per job is their mean.
        var sums = columns.Select(column => (column.Name, Raw: CoresTime.Sum(column.Raw).Per(column.Raw.Count),
            System: CoresTime.Sum(column.System).Per(column.System.Count), RawRuns: column.Raw.Count, SystemRuns: column.System.Count)).ToList();
        var cores = sums.Max(sum => Math.Max(sum.Raw.Cores, sum.System.Cores));
        report.Heading("Where the cores' time went");
        report.Paragraph(
            $"The machine's {cores} cores while each per-job transcode and each throughput run above was timed, as Linux counts their time (/proc):",
            "FFmpeg converting (the ended children of the load tool raw: FFmpeg alone, as the floor's clock runs; of the workers in the system:",
            "every child a worker waits for: FFmpeg, its ffprobes where its own index cannot read a file, as the transcode's input, and its health check's `ffmpeg -version`),",
            "each part of the system in its own processes (the load tool's holds the sink its telemetry goes to),",
            "the rest of the machine (the kernel's own work, processes that ended meanwhile, anything else running, and what the hypervisor took where it counts that), and idle.",
            "CPU seconds per job, over a side's runs together (their sums divided by their jobs), so a column adds up to its first row: the wall time per job times the cores.",
            "Raw, the clock ran from the first FFmpeg's start to the last one's end; in the system, from the first upload's start until the load tool saw the last job's outcome,",
            $"so the system's columns include the client's uploads and its polling (every {Number(SystemBenchmark.PollMilliseconds, "N0")} ms: a run ends with about that long of mostly idle cores, in the idle row).",
            $"The system's {workers} workers, the API, RabbitMQ and storage run during the raw runs too: idle, they are the floor's neighbours as well.");

        var header = new List<string> { "" };
        foreach (var (name, _, _, rawRuns, systemRuns) in sums)
        {
            header.AddRange([$"{name}, raw ({Runs(rawRuns)})", $"system ({Runs(systemRuns)})", "system − raw"]);
        }

        report.TableRow([.. header]);
        report.TableRow([.. header.Select(_ => "---")]);
        Row(report, $"All cores (wall × {cores})", sums, time => time.Total);
        Row(report, "FFmpeg, converting", sums, time => time.Converting);
        // Every part counted, so that a column adds up.
        foreach (var part in SystemParts.InReportOrder(sums.SelectMany(sum => sum.Raw.Parts.Keys.Concat(sum.System.Parts.Keys))))
        {
            Row(report, part, sums, time => time.Parts.GetValueOrDefault(part));
        }

        Row(report, "The rest of the machine", sums, time => time.Rest);
        Row(report, "Idle", sums, time => time.Idle);
        report.Line();
        report.Paragraph([.. sums.Select(sum => Difference(sum.Name, sum.Raw, sum.System))]);
    }

    /// <summary>The system's runs whose workers were read; the table's run counts say how many that was.</summary>
    private static List<CoresTime> Read(IReadOnlyList<CoresTime?> runs) => runs.OfType<CoresTime>().ToList();

    /// <summary>
    /// The system's extra time of the cores split by where a deployment runs it: FFmpeg and the worker on the worker's
    /// machine; the other parts on machines of their own, or not at all (Aspire, the benchmark's client), which here share
    /// this machine's cores.
    /// </summary>
    private static string Difference(string column, CoresTime raw, CoresTime system)
    {
        var apart = SystemParts.InReportOrder(raw.Parts.Keys.Concat(system.Parts.Keys)).Where(part => part != SystemParts.Workers).ToList();
        double Apart(CoresTime time) => apart.Sum(part => time.Parts.GetValueOrDefault(part));
        double Worker(CoresTime time) => time.Parts.GetValueOrDefault(SystemParts.Workers);
        return $"{column}, the system took {WithSign(system.Total - raw.Total)} s of the cores over raw FFmpeg:" +
            $" FFmpeg {WithSign(system.Converting - raw.Converting)} s, the workers' own processes {WithSign(Worker(system) - Worker(raw))} s," +
            $" the parts a deployment runs apart from its workers, or not at all ({string.Join(", ", apart)}) {WithSign(Apart(system) - Apart(raw))} s," +
            $" the rest of the machine {WithSign(system.Rest - raw.Rest)} s, idle {WithSign(system.Idle - raw.Idle)} s.";
    }

    private static void Row(
        MarkdownText report, string name,
        IReadOnlyList<(string Name, CoresTime Raw, CoresTime System, int RawRuns, int SystemRuns)> sums, Func<CoresTime, double> figure)
    {
        var cells = new List<string> { name };
        foreach (var (_, raw, system, _, _) in sums)
        {
            cells.AddRange([Number(figure(raw)), Number(figure(system)), WithSign(figure(system) - figure(raw))]);
        }

        report.TableRow([.. cells]);
    }

    private static string Runs(int count) => count == 1 ? "1 run" : $"{count} runs";
}
