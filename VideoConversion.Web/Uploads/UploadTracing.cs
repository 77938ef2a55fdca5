using System.Diagnostics;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.Web.Uploads;

/// <summary>
/// One trace per uploaded video, begun here: the upload request and, after the browser's PUT,
/// the job's submission are children of the same root, so the API, the queue and the worker
/// all continue one trace.
/// </summary>
public static class UploadTracing
{
    public const string SourceName = TelemetryNames.Prefix + "Web";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// A root span for a new video. Root on purpose: on an interactive page the current span is
    /// the long-lived circuit connection, and every video would otherwise hang under it.
    /// </summary>
    public static Activity? StartUpload(string fileName)
    {
        var ambient = Activity.Current;
        Activity.Current = null;
        var activity = Source.StartActivity("upload video", ActivityKind.Client);
        activity?.SetTag("videoconversion.upload.file_name", fileName);
        if (activity is null)
        {
            Activity.Current = ambient;
        }

        return activity;
    }

    /// <summary>Submitting the uploaded video, in the trace <see cref="StartUpload"/> began.</summary>
    public static Activity? StartSubmit(ActivityContext upload) =>
        upload == default ? null : Source.StartActivity("submit video", ActivityKind.Client, upload);
}
