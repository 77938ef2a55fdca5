using System.Globalization;
using System.Text;
using System.Text.Json;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Reports;

/// <summary>Writes a run as JSON (every job and sample, for tools), Markdown (for people) and an SVG chart.</summary>
public static class ReportWriter
{
    private const int MaxJobsListed = 50;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <returns>The paths written: JSON, Markdown, SVG.</returns>
    public static async Task<IReadOnlyList<string>> WriteAsync(RunResult run, RunSummary summary, IReadOnlyList<string> findings)
    {
        Directory.CreateDirectory(run.Settings.OutputDirectory);
        var stem = Path.Combine(run.Settings.OutputDirectory, $"{run.Command}-{run.StartedAt:yyyyMMdd-HHmmss}");
        var json = stem + ".json";
        var markdown = stem + ".md";
        var chart = stem + ".svg";

        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new { run.Command, run.StartedAt, run.WallSeconds, summary, findings, run.Events, run.Jobs, run.Timeline }, Json));
        await File.WriteAllTextAsync(chart, TimelineChart.Render(run));
        await File.WriteAllTextAsync(markdown, Markdown(run, summary, findings, Path.GetFileName(chart)));
        return [json, markdown, chart];
    }

    public static string Markdown(RunResult run, RunSummary summary, IReadOnlyList<string> findings, string chartFile)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# {run.Command}: {summary.Jobs} jobs against {run.Settings.Api}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Started {run.StartedAt:u}; concurrency {run.Settings.Concurrency}; inputs: {string.Join(", ", run.Settings.Inputs.Select(Path.GetFileName))}.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Success rate: **{summary.SuccessRate:P1}** ({summary.Succeeded}/{summary.Jobs}); {summary.Retried} jobs retried");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Throughput: **{summary.JobsPerMinute:F1} jobs/min** over {summary.WallSeconds:F1} s");
        text.AppendLine(UploadLine(run.Settings, summary.Uploads));
        foreach (var finding in findings)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {finding}");
        }

        text.AppendLine();
        text.AppendLine("| Time (s) | mean | p50 | p95 | p99 | max |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (var (name, distribution) in summary.Times)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {S(distribution.Mean)} | {S(distribution.P50)} | {S(distribution.P95)} | {S(distribution.P99)} | {S(distribution.Max)} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"![Queue depth and workers over time]({chartFile})");
        if (run.Events.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Events:");
            foreach (var line in run.Events)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            }
        }

        // Each job's times, for runs small enough to read them (baseline); the JSON always has them.
        if (run.Jobs.Count <= MaxJobsListed)
        {
            text.AppendLine();
            text.AppendLine("| Job | Status | Attempts | Method | Upload (s) | Queue wait (s) | Processing (s) | End to end (s) | Upload | Upload (MB/s) | Sent / file |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
            foreach (var job in run.Jobs)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {job.JobId} | {job.Status} | {job.Attempts} | {job.ConversionMethod ?? "–"} | {S(job.UploadSeconds)} | {S(job.QueueWaitSeconds)} | {S(job.ProcessingSeconds)} | {S(job.EndToEndSeconds)} | " +
                    $"{job.UploadType}, {job.UploadParts} part(s) | {S(job.UploadMegabytesPerSecond)} | {Ratio(job.SentBytes, job.UploadBytes)} |");
            }
        }

        var failed = run.Jobs.Where(job => !job.Succeeded).ToList();
        if (failed.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Failed jobs:");
            foreach (var job in failed)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {job.JobId}: {job.Status} — {job.Error}");
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The uploads' rate (MB = 10⁶ bytes), and the bytes they sent against their files' bytes: more than 1× is parts or
    /// files sent again.
    /// </summary>
    public static string UploadLine(RunSettings settings, UploadSummary uploads)
    {
        var how = settings.Multipart ? $"in parts, {settings.PartsInFlight} at once" : "one PUT each";
        if (uploads.Uploads == 0)
        {
            return $"- Uploads ({how}): none finished";
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"- Uploads ({how}; {string.Join(", ", uploads.UploadTypes)}): **{uploads.AggregateMegabytesPerSecond:F1} MB/s** over all {uploads.Uploads} " +
            $"(their bytes over their summed times), median {uploads.MedianMegabytesPerSecond:F1} MB/s per upload; " +
            $"{uploads.SentBytes} bytes sent for {uploads.FileBytes} bytes of files (**{uploads.SentRatio:F3}×**)");
    }

    private static string Ratio(long sent, long file) =>
        file > 0 ? ((double)sent / file).ToString("F3", CultureInfo.InvariantCulture) + "×" : "–";

    private static string S(double? seconds) => seconds is { } value ? value.ToString("F2", CultureInfo.InvariantCulture) : "–";
}
