using Microsoft.AspNetCore.Http.HttpResults;
using VideoConversion.Api.Data;
using VideoConversion.Infrastructure.Outbound;

namespace VideoConversion.Api.Webhooks;

/// <summary>A job's own endpoint (<c>webhook_url</c> at /upload/request or POST /jobs), checked and recorded with the job.</summary>
public sealed class JobWebhooks(OutboundTargets targets, WebhookSecrets secrets)
{
    /// <summary>Null when the URL may be called; otherwise the 400 that says why.</summary>
    public async Task<ProblemHttpResult?> RefusalAsync(string url, CancellationToken cancellationToken)
    {
        if (url.Length > WebhookLimits.UrlLength)
        {
            return WebhookProblems.InvalidUrl("webhook_url", $"The URL is longer than {WebhookLimits.UrlLength} characters.");
        }

        try
        {
            await targets.CheckAsync(url, cancellationToken);
            return null;
        }
        catch (OutboundTargetRefusedException refused)
        {
            return WebhookProblems.InvalidUrl("webhook_url", refused.Message);
        }
    }

    /// <summary>Adds the job's endpoint to what the caller saves; returns its secret, for the answer.</summary>
    public string Add(JobsDbContext db, string ownerId, string jobId, string url, DateTimeOffset now)
    {
        var secret = WebhookSecrets.Generate();
        db.WebhookEndpoints.Add(new WebhookEndpoint
        {
            Id = WebhookLimits.NewId(),
            OwnerId = ownerId,
            JobId = jobId,
            Url = url,
            ProtectedSecret = secrets.Protect(secret),
            CreatedAt = now,
        });
        return secret;
    }
}
