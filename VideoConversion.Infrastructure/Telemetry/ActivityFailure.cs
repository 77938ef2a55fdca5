using System.Diagnostics;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.Infrastructure.Telemetry;

public static class ActivityFailure
{
    /// <summary>Marks the span failed, with the exception's type as error.type (OpenTelemetry convention).</summary>
    public static void Failed(this Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.SetTag(TelemetryNames.ErrorType, exception.GetType().FullName);
    }
}
