namespace VideoConversion.Api.Webhooks;

/// <summary>One try at sending a delivery: when, how long, and what the receiver answered (or why it could not).</summary>
public sealed class WebhookAttempt
{
    public long Id { get; private set; }

    public required string DeliveryId { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double DurationMs { get; init; }

    public int? StatusCode { get; init; }

    public string? Error { get; init; }
}
