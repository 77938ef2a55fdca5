namespace VideoConversion.Api.Webhooks;

/// <summary>
/// One event for one endpoint: recorded in the same transaction as the job change it announces, and
/// sent until the receiver answers 2xx or the retry schedule runs out. Its id is the <c>webhook-id</c>
/// of every attempt, so a receiver that saw it before can tell.
/// </summary>
public sealed class WebhookDelivery
{
    public required string Id { get; init; }

    public required string EndpointId { get; init; }

    public required string JobId { get; init; }

    /// <summary>job.processing, job.done, job.failed, job.canceled, job.expired.</summary>
    public required string EventType { get; init; }

    /// <summary>The event's body as recorded (the job as it was); a fresh download link is added when it is sent.</summary>
    public required string Payload { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public WebhookDeliveryStatus Status { get; set; } = WebhookDeliveryStatus.Pending;

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public int Version { get; set; }
}

public enum WebhookDeliveryStatus
{
    Pending,
    Delivered,

    /// <summary>Every attempt of the retry schedule failed; an administrator can send it again.</summary>
    Failed,
}
