namespace VideoConversion.Api.Webhooks;

// The webhooks' public contract. Property names travel as snake_case (see ApiJson).

/// <param name="ApiKeyId">Only the jobs this key makes (an API key caller: itself, the default); null for every job of the account.</param>
public sealed record CreateWebhookRequest(string? Url, string? ApiKeyId = null);

/// <param name="Secret">The signing secret (Standard Webhooks, "whsec_…"); in this answer only.</param>
public sealed record CreatedWebhookResponse(string Id, string Url, string? ApiKeyId, string Secret, DateTimeOffset CreatedAt);

public sealed record WebhookResponse(string Id, string Url, string? ApiKeyId, DateTimeOffset CreatedAt);

public sealed record WebhookList(IReadOnlyList<WebhookResponse> Items);

/// <summary>Newest first, at most 50.</summary>
public sealed record WebhookDeliveryList(IReadOnlyList<WebhookDeliveryResponse> Items);

public sealed record WebhookAttemptResponse(DateTimeOffset StartedAt, double DurationMs, int? StatusCode, string? Error);

/// <param name="Id">The <c>webhook-id</c> every attempt carries.</param>
/// <param name="NextAttemptAt">When it is tried again, while it is PENDING.</param>
public sealed record WebhookDeliveryResponse(
    string Id,
    string EndpointId,
    string Url,
    string JobId,
    string EventType,
    WebhookDeliveryStatus Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt,
    int? LastStatusCode,
    string? LastError,
    IReadOnlyList<WebhookAttemptResponse> AttemptLog);
