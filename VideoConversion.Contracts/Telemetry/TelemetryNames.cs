namespace VideoConversion.Contracts.Telemetry;

/// <summary>
/// Attribute names on spans, metrics and log scopes. Standard OpenTelemetry names where a
/// semantic convention exists (messaging.*, error.type), "videoconversion.*" where none does.
/// </summary>
public static class TelemetryNames
{
    /// <summary>Every activity source and meter of the system starts with this; service defaults listen to all of them.</summary>
    public const string Prefix = "VideoConversion.";

    public const string JobId = "videoconversion.job.id";
    public const string JobAttempt = "videoconversion.job.attempt";
    public const string JobStatus = "videoconversion.job.status";
    public const string JobOutcome = "videoconversion.job.outcome";
    public const string ConversionMethod = "videoconversion.conversion.method";
    public const string IoDirection = "videoconversion.io.direction";
    public const string DeadLetterReason = "videoconversion.dead_letter.reason";
    public const string DeliveryOutcome = "videoconversion.delivery.outcome";
    public const string RetryDecision = "videoconversion.retry.decision";
    public const string FailureCause = "videoconversion.failure.cause";
    public const string ReconcileAction = "videoconversion.reconcile.action";
    public const string UploadEventOutcome = "videoconversion.upload_event.outcome";

    /// <summary>How the output check read the MP4 back: "index" (its moov, in process) or "ffprobe".</summary>
    public const string OutputCheck = "videoconversion.output.check";

    /// <summary>How the input was read for planning: "index" (its moov, in process: a remux) or "ffprobe".</summary>
    public const string InputProbe = "videoconversion.input.probe";

    public const string MessagingSystem = "messaging.system";
    public const string MessagingDestination = "messaging.destination.name";
    public const string MessagingOperationType = "messaging.operation.type";
    public const string MessagingOperationName = "messaging.operation.name";
    public const string MessagingMessageId = "messaging.message.id";
    public const string MessagingRoutingKey = "messaging.rabbitmq.destination.routing_key";
    public const string MessagingBodySize = "messaging.message.body.size";
    public const string ErrorType = "error.type";
    public const string HttpRequestMethod = "http.request.method";

    /// <summary>Log scope keys: every log line about a job carries both.</summary>
    public const string JobIdScope = "JobId";
    public const string AttemptScope = "Attempt";
}
