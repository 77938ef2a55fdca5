using System.Text.Json.Serialization;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Webhooks;

/// <summary>What a receiver gets, as Standard Webhooks suggests: the event's type, when it happened, and the job then.</summary>
/// <param name="Type">job.processing, job.done, job.failed, job.canceled or job.expired.</param>
public sealed record WebhookEvent(string Type, DateTimeOffset Timestamp, WebhookJobData Data);

/// <summary>The job when the event happened, as GET /jobs/{id} describes it.</summary>
/// <param name="OutputUrl">On job.done: a download link, signed when the delivery is sent.</param>
/// <param name="OutputUrlExpiresAt">On job.done: when that link stops working.</param>
public sealed record WebhookJobData(
    string JobId,
    JobStatus Status,
    string Filename,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    int Attempts,
    string? Error,
    long? InputBytes,
    long? OutputBytes,
    double? DurationSeconds,
    string? ConversionMethod,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? OutputUrl = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? OutputUrlExpiresAt = null);
