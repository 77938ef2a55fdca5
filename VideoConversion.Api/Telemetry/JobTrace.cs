using System.Diagnostics;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Telemetry;

/// <summary>
/// Keeps a video in one trace. The job remembers the trace of its upload request; when the
/// client submits it from another trace (a client that does not propagate trace context), the
/// submission continues the job's trace in a span of its own, linked to the request's span.
/// </summary>
public static class JobTrace
{
    public const string SourceName = TelemetryNames.Prefix + "Api";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>The traceparent to remember on a new job: the current request's span.</summary>
    public static string? Current() => Activity.Current?.IdFormat == ActivityIdFormat.W3C ? Activity.Current.Id : null;

    /// <summary>
    /// A span for publishing an outbox message, in the trace the message was written in: the
    /// dispatcher works in the background, after the request that wrote it has ended.
    /// </summary>
    public static Activity? StartDispatch(string? traceParent, string queue)
    {
        var trace = MessageTraceContext.Parse(traceParent);
        return trace == default ? null : Source.StartActivity($"dispatch {queue}", ActivityKind.Internal, trace);
    }

    /// <summary>
    /// A span for storage's news of <paramref name="job"/>'s upload, in the job's own trace and linked to the event's
    /// delivery (storage's event carries no trace of its own): the upload's landing is part of the video's story.
    /// </summary>
    public static Activity? ContinueForUpload(Job job) => ContinueInJobTrace(job, "upload landed");

    /// <summary>
    /// A span for submitting <paramref name="job"/> in the job's own trace, or null when the
    /// current request already is in it (or the job has no trace).
    /// </summary>
    public static Activity? ContinueForSubmission(Job job) => ContinueInJobTrace(job, "submit job");

    /// <summary>A span in the job's trace, linked to the current one (a request, a delivery); null when that is the job's trace already.</summary>
    private static Activity? ContinueInJobTrace(Job job, string name)
    {
        var jobTrace = MessageTraceContext.Parse(job.TraceParent);
        var current = Activity.Current;
        if (jobTrace == default || current?.TraceId == jobTrace.TraceId)
        {
            return null;
        }

        ActivityLink[]? links = current is null ? null : [new ActivityLink(current.Context)];
        return Source.StartActivity(name, ActivityKind.Internal, jobTrace, links: links);
    }
}
