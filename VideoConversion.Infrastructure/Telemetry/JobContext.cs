using System.Diagnostics;
using Microsoft.Extensions.Logging;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.Infrastructure.Telemetry;

/// <summary>
/// Marks the work that follows as being about one job and attempt: every log line written
/// inside carries both (as scope values, which OpenTelemetry exports as log attributes), and the
/// current span is tagged with them, so logs and traces can be searched by job.
/// </summary>
public static class JobContext
{
    /// <param name="attempt">Which delivery of the job this is, counting from 1; 0 before any worker took it up.</param>
    public static IDisposable? Enter(ILogger logger, string jobId, int attempt)
    {
        if (Activity.Current is { IsAllDataRequested: true } activity)
        {
            activity.SetTag(TelemetryNames.JobId, jobId);
            activity.SetTag(TelemetryNames.JobAttempt, attempt);
        }

        return logger.BeginScope(new Dictionary<string, object>
        {
            [TelemetryNames.JobIdScope] = jobId,
            [TelemetryNames.AttemptScope] = attempt,
        });
    }
}
