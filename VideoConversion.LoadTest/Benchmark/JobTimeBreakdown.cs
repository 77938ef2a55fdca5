using VideoConversion.LoadTest.Reports;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Where a job's time goes, read from its trace (one trace per video): every span of the jobs converted one way, when it
/// starts counted from the worker's taking the job ("process video_jobs") and how long it lasts, medians over the jobs.
/// </summary>
/// <param name="Jobs">Jobs whose traces were complete enough to place: a worker's delivery and its FFmpeg span.</param>
/// <param name="UnreadExports">Trace exports that could not be read: their spans are missing here.</param>
/// <param name="FFmpegSecondsByJob">
/// Each placed job's FFmpeg (its "ffmpeg" span: the command from its start to its exit), by the job's id as its worker's
/// delivery names it; only jobs converted in one attempt, whose time holds no other. Null when built from stages alone.
/// </param>
public sealed record JobTimeBreakdown(
    string Method, int Jobs, IReadOnlyList<JobTimeBreakdown.Stage> Stages, int UnreadExports = 0,
    IReadOnlyDictionary<string, double>? FFmpegSecondsByJob = null)
{
    /// <summary>The worker's span for one delivery of a job; every other span is placed against its start.</summary>
    public const string DeliverySpan = "process video_jobs";

    /// <summary>The worker's attribute on its FFmpeg span (TelemetryNames.ConversionMethod; the load tool references no service library).</summary>
    private const string MethodAttribute = "videoconversion.conversion.method";

    /// <summary>The job's id, on the spans that are about one job (TelemetryNames.JobId).</summary>
    private const string JobIdAttribute = "videoconversion.job.id";

    /// <param name="Occurrence">1 for the first span of this name in a trace, 2 for the second, …</param>
    /// <param name="Jobs">Jobs whose trace has this span.</param>
    public sealed record Stage(string Service, string Name, int Occurrence, double StartsMilliseconds, double LastsMilliseconds, int Jobs);

    /// <summary>
    /// The worker's attributes on its input's reading and its output check: how each file was read, its own index or
    /// ffprobe (TelemetryNames.InputProbe and OutputCheck).
    /// </summary>
    private const string InputProbeAttribute = "videoconversion.input.probe", OutputCheckAttribute = "videoconversion.output.check";

    /// <summary>A span's name, with how it read its file where the span says.</summary>
    private static string Label(ExportedSpan span) =>
        (span.Attributes.GetValueOrDefault(InputProbeAttribute) ?? span.Attributes.GetValueOrDefault(OutputCheckAttribute)) is { } read
            ? $"{span.Name} ({read})"
            : span.Name;

    /// <param name="jobIds">Only these jobs' traces (a trace is one video's, so one job's); null for every job's.</param>
    /// <returns>Null when no trace holds a job converted by <paramref name="method"/>.</returns>
    public static JobTimeBreakdown? Of(IEnumerable<ExportedSpan> spans, string method, int unreadExports = 0, IReadOnlySet<string>? jobIds = null)
    {
        List<List<(ExportedSpan Span, int Occurrence, double Starts)>> jobs = [];
        Dictionary<string, double> ffmpegSeconds = [];
        foreach (var trace in spans.GroupBy(span => span.TraceId))
        {
            // The last FFmpeg of the trace: an attempt before it (a retry) does not stand for the job's time.
            var ffmpeg = trace.Where(span => span.Name == "ffmpeg").MaxBy(span => span.StartNanoseconds) is { } last
                && last.Attributes.GetValueOrDefault(MethodAttribute) == method ? last : null;
            // The delivery that ran this FFmpeg: a job retried has one per attempt.
            var delivery = ffmpeg is null ? null : trace
                .Where(span => span.Name == DeliverySpan && span.StartNanoseconds <= ffmpeg.StartNanoseconds && span.EndNanoseconds >= ffmpeg.EndNanoseconds)
                .MinBy(span => span.StartNanoseconds);
            // The job's id as the delivery that ran this FFmpeg names it: an API span may name the job of another upload.
            var jobId = delivery?.Attributes.GetValueOrDefault(JobIdAttribute);
            if (delivery is null || (jobIds is not null && (jobId is null || !jobIds.Contains(jobId))))
            {
                continue;
            }

            if (jobId is not null && trace.Count(span => span.Name == "ffmpeg") == 1 && trace.Count(span => span.Name == DeliverySpan) == 1)
            {
                ffmpegSeconds[jobId] = ffmpeg!.Milliseconds / 1000;
            }

            jobs.Add([.. trace.GroupBy(span => (span.Service, Name: Label(span)))
                .SelectMany(same => same.OrderBy(span => span.StartNanoseconds)
                    .Select((span, index) => (span, index + 1, (span.StartNanoseconds - delivery.StartNanoseconds) / 1e6)))]);
        }

        if (jobs.Count == 0)
        {
            return null;
        }

        var stages = jobs.SelectMany(job => job)
            .GroupBy(placed => (placed.Span.Service, Name: Label(placed.Span), placed.Occurrence))
            .Select(same => new Stage(same.Key.Service, same.Key.Name, same.Key.Occurrence,
                Percentiles.Of(same.Select(placed => placed.Starts), 50)!.Value,
                Percentiles.Of(same.Select(placed => placed.Span.Milliseconds), 50)!.Value,
                same.Count()))
            .OrderBy(stage => stage.StartsMilliseconds)
            .ToList();
        return new JobTimeBreakdown(method, jobs.Count, stages, unreadExports, ffmpegSeconds);
    }
}
