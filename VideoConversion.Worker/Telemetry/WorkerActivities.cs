using System.Diagnostics;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Worker.Telemetry;

/// <summary>
/// Spans for the stages of a conversion (download, probe, FFmpeg, check, upload). They run
/// inside the "process video_jobs" span, in the trace of the video's upload request.
/// </summary>
public static class WorkerActivities
{
    public const string SourceName = TelemetryNames.Prefix + "Worker";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? Start(string stage) => Source.StartActivity(stage);
}
