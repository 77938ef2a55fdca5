namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Where an account wants to hear about its jobs: every job of the account, the jobs one API key makes,
/// or one job (a job's own <c>webhook_url</c>). Its secret signs every request (Standard Webhooks) and is
/// kept protected with the API's Data Protection keys; its owner saw it once.
/// </summary>
public sealed class WebhookEndpoint
{
    public required string Id { get; init; }

    public required string OwnerId { get; init; }

    /// <summary>Only the jobs this key makes; null for every job of the account.</summary>
    public string? ApiKeyId { get; init; }

    /// <summary>Only this job (its <c>webhook_url</c>); null for an endpoint registered at /webhooks.</summary>
    public string? JobId { get; init; }

    public required string Url { get; init; }

    /// <summary>The signing secret, protected; <see cref="WebhookSecrets"/> reads it.</summary>
    public required string ProtectedSecret { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}
