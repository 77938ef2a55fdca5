using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;
using static VideoConversion.LoadTest.Reports.Percentiles;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Each per-job transcode in the system split in two by its trace: its FFmpeg (the worker's "ffmpeg" span, from FFmpeg's
/// start to its exit, the worker reading its progress meanwhile) and the pipeline's stages around it (the job's time,
/// submission to outcome, less that span: queue, download, the input's probe, the output check, upload, reports). Raw
/// FFmpeg runs the same command, so the first says how FFmpeg's own run compared on the two sides, and the second what the
/// pipeline adds to it, with no scaling by CPU time.
/// </summary>
public static class TranscodeSplitReport
{
    /// <summary>One per-job transcode whose trace was read, with the raw run just before it.</summary>
    /// <param name="Raw">Raw FFmpeg's time, seconds.</param>
    /// <param name="FFmpeg">The system's FFmpeg span, seconds.</param>
    /// <param name="Job">The system's job time, submission to outcome, seconds.</param>
    public sealed record Pair(double Raw, double FFmpeg, double Job)
    {
        /// <summary>The pipeline's stages around FFmpeg.</summary>
        public double Stages => Job - FFmpeg;

        /// <summary>The system's FFmpeg against raw FFmpeg's, as a change (0.02: 2 % longer).</summary>
        public double FFmpegChange => FFmpeg / Raw - 1;
    }

    /// <summary>
    /// The system's runs whose FFmpeg was read from their trace (by the run's job, in the breakdown), each with the raw run
    /// just before it; empty when none was read, or the sides' runs do not line up. A job whose times were not all recorded
    /// (its stages not above zero) is left out.
    /// </summary>
    public static IReadOnlyList<Pair> Pairs(SystemBenchmark.Results results) =>
        results is { TranscodeBreakdown.FFmpegSecondsByJob: { } byJob, SystemTranscodeJobs: { } jobs } &&
        jobs.Count == results.SystemTranscodeRuns.Count && jobs.Count == results.RawTranscodeRuns.Count
            ? [.. jobs
                .Select((job, run) => byJob.TryGetValue(job, out var read) ? new Pair(results.RawTranscodeRuns[run], read, results.SystemTranscodeRuns[run]) : null)
                .OfType<Pair>()
                .Where(pair => double.IsFinite(pair.Stages) && pair.Stages > 0 && pair.Raw > 0)]
            : [];

    /// <summary>The pipeline table's rows: the system's FFmpeg against raw FFmpeg's, and the stages around it.</summary>
    public static void WriteRows(MarkdownText report, SystemBenchmark.Results results)
    {
        var pairs = Pairs(results);
        if (pairs.Count == 0)
        {
            return;
        }

        // Over the runs split only, both sides, so that the rows compare the same runs.
        var runs = pairs.Count < results.SystemTranscodeRuns.Count ? $", {pairs.Count} of {results.SystemTranscodeRuns.Count} runs" : "";
        var (raw, ffmpeg, stages) = (Median(pairs.Select(pair => pair.Raw)), Median(pairs.Select(pair => pair.FFmpeg)), Median(pairs.Select(pair => pair.Stages)));
        report.TableRow($"Transcode, per job: its FFmpeg (the span in its trace{runs})", $"{Number(raw)} s", $"{Number(ffmpeg)} s",
            $"{Number(ffmpeg / raw, "F3")}×", "", "");
        report.TableRow($"Transcode, per job: the stages around its FFmpeg{runs}", "", $"{Number(stages)} s",
            $"{Percent(stages / raw)} of raw FFmpeg", "", "");
    }

    /// <summary>The split run by run; empty when no trace was read.</summary>
    public static string Sentence(SystemBenchmark.Results results)
    {
        var pairs = Pairs(results);
        if (pairs.Count == 0)
        {
            return "";
        }

        var split = pairs.Count < results.SystemTranscodeRuns.Count
            ? $"{pairs.Count} of the {results.SystemTranscodeRuns.Count} jobs, the others' traces or times not read; "
            : "";
        return $"Split by each job's trace ({split}the table's rows \"its FFmpeg\" and \"the stages around its FFmpeg\"): " +
               "its FFmpeg against the raw run just before it " +
               $"{string.Join(", ", pairs.Select(pair => WithSign(pair.FFmpegChange * 100, "F1") + " %"))}, " +
               $"median {WithSign(Median(pairs.Select(pair => pair.FFmpeg - pair.Raw)))} s; " +
               $"the stages around it {string.Join(", ", pairs.Select(pair => Number(pair.Stages)))} s. " +
               "FFmpeg ran the same command on both sides, beside the system's processes: idle during the raw runs, working during " +
               "the system's (the cores' table), at other moments of a shared machine.";
    }
}
