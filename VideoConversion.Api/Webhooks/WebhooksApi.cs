using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Api;
using VideoConversion.Api.Data;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.RateLimits;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Outbound;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Webhook endpoints (per API key, or the whole account), the deliveries made to them, a job's deliveries
/// with every attempt, and an administrator's redelivery.
/// </summary>
public static class WebhooksApi
{
    private const int DeliveriesShown = 50;

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/webhooks").WithTags("Webhooks").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller);
        webhooks.MapPost("/", CreateWebhook).WithName(nameof(CreateWebhook))
            .WithSummary("Register an endpoint for job events; its signing secret is in this answer only");
        webhooks.MapGet("/", ListWebhooks).WithName(nameof(ListWebhooks)).WithSummary("The caller's endpoints (never their secrets)");
        webhooks.MapDelete("/{endpointId}", DeleteWebhook).WithName(nameof(DeleteWebhook)).WithSummary("Remove an endpoint");
        webhooks.MapGet("/{endpointId}/deliveries", ListEndpointDeliveries).WithName(nameof(ListEndpointDeliveries))
            .WithSummary("The endpoint's recent deliveries, newest first");
        webhooks.MapPost("/deliveries/{deliveryId}/redeliver", Redeliver).WithName(nameof(Redeliver))
            .RequireAuthorization(policy => policy.RequireRole(Roles.Administrator))
            .WithSummary("Administrators: send a delivery again, with the same webhook-id, on a fresh schedule");

        app.MapGroup("/jobs").WithTags("Jobs").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller)
            .MapGet("/{jobId}/webhooks", ListJobDeliveries).WithName(nameof(ListJobDeliveries))
            .WithSummary("The job's webhook deliveries, each with its attempts");
        return app;
    }

    public static async Task<Results<Created<CreatedWebhookResponse>, ProblemHttpResult>> CreateWebhook(
        CreateWebhookRequest? request, ClaimsPrincipal caller, JobsDbContext db, OutboundTargets targets, WebhookSecrets secrets,
        IOptions<WebhookOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var url = request?.Url?.Trim();
        if (string.IsNullOrEmpty(url))
        {
            return JobProblems.MissingField("url");
        }

        if (url.Length > WebhookLimits.UrlLength)
        {
            return WebhookProblems.InvalidUrl("url", $"The URL is longer than {WebhookLimits.UrlLength} characters.");
        }

        try
        {
            await targets.CheckAsync(url, cancellationToken);
        }
        catch (OutboundTargetRefusedException refused)
        {
            return WebhookProblems.InvalidUrl("url", refused.Message);
        }

        var owner = caller.AccountId();
        var keyId = request!.ApiKeyId?.Trim();
        if (caller.CallingApiKeyId() is { } callingKey)
        {
            if (keyId is not null && keyId != callingKey)
            {
                return WebhookProblems.OtherKey();
            }

            keyId = callingKey;
        }
        else if (keyId is not null && !await db.ApiKeys.AnyAsync(key => key.Id == keyId && key.UserId == owner && key.RevokedAt == null, cancellationToken))
        {
            return WebhookProblems.UnknownApiKey(keyId);
        }

        // The count and the new endpoint as one step (the account locked), like the quotas: requests together cannot pass it together.
        await using var step = await AccountWriteStep.BeginAsync(db, owner, cancellationToken);
        if (await db.WebhookEndpoints.CountAsync(endpoint => endpoint.OwnerId == owner && endpoint.JobId == null, cancellationToken) >= options.Value.MaxEndpointsPerAccount)
        {
            return WebhookProblems.TooManyEndpoints(options.Value.MaxEndpointsPerAccount);
        }

        var secret = WebhookSecrets.Generate();
        var endpoint = new WebhookEndpoint
        {
            Id = WebhookLimits.NewId(),
            OwnerId = owner,
            ApiKeyId = keyId,
            Url = url,
            ProtectedSecret = secrets.Protect(secret),
            CreatedAt = time.GetUtcNow(),
        };
        db.WebhookEndpoints.Add(endpoint);
        await step.SaveAsync(db, cancellationToken);
        return TypedResults.Created($"/webhooks/{endpoint.Id}", new CreatedWebhookResponse(endpoint.Id, endpoint.Url, endpoint.ApiKeyId, secret, endpoint.CreatedAt));
    }

    public static async Task<Ok<WebhookList>> ListWebhooks(ClaimsPrincipal caller, JobsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(new WebhookList(await VisibleTo(db.WebhookEndpoints.AsNoTracking(), caller)
            .OrderBy(endpoint => endpoint.CreatedAt)
            .Select(endpoint => new WebhookResponse(endpoint.Id, endpoint.Url, endpoint.ApiKeyId, endpoint.CreatedAt))
            .ToListAsync(cancellationToken)));

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteWebhook(
        string endpointId, ClaimsPrincipal caller, JobsDbContext db, CancellationToken cancellationToken)
    {
        var endpoint = await VisibleTo(db.WebhookEndpoints, caller).SingleOrDefaultAsync(e => e.Id == endpointId, cancellationToken);
        if (endpoint is null)
        {
            return WebhookProblems.UnknownEndpoint(endpointId);
        }

        db.WebhookEndpoints.Remove(endpoint);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> ListEndpointDeliveries(
        string endpointId, ClaimsPrincipal caller, JobsDbContext db, CancellationToken cancellationToken)
    {
        if (!await VisibleTo(db.WebhookEndpoints.AsNoTracking(), caller).AnyAsync(e => e.Id == endpointId, cancellationToken))
        {
            return WebhookProblems.UnknownEndpoint(endpointId);
        }

        return TypedResults.Ok(new WebhookDeliveryList(await DeliveriesAsync(db, db.WebhookDeliveries.Where(d => d.EndpointId == endpointId), cancellationToken)));
    }

    public static async Task<Results<Ok<WebhookDeliveryList>, ProblemHttpResult>> ListJobDeliveries(
        string jobId, ClaimsPrincipal caller, JobsDbContext db, CancellationToken cancellationToken)
    {
        // One read: whether the caller may see the job, and which key made it.
        var job = JobId.IsWellFormed(jobId)
            ? await db.Jobs.AsNoTracking().VisibleTo(caller).Where(j => j.Id == jobId).Select(j => new { j.ApiKeyId }).SingleOrDefaultAsync(cancellationToken)
            : null;
        if (job is null)
        {
            return JobProblems.UnknownJob(jobId);
        }

        // An API key sees the deliveries to its own endpoints, and to the job's own when the job is its own; not
        // another key's (their URLs may carry tokens), nor those of the webhook_url another key gave.
        var deliveries = db.WebhookDeliveries.Where(d => d.JobId == jobId);
        if (caller.CallingApiKeyId() is { } key)
        {
            var madeByThisKey = job.ApiKeyId == key;
            deliveries = deliveries.Where(d => db.WebhookEndpoints.Any(e => e.Id == d.EndpointId && (e.JobId != null ? madeByThisKey : e.ApiKeyId == key)));
        }

        return TypedResults.Ok(new WebhookDeliveryList(await DeliveriesAsync(db, deliveries, cancellationToken)));
    }

    public static async Task<Results<Accepted<WebhookDeliveryResponse>, ProblemHttpResult>> Redeliver(
        string deliveryId, JobsDbContext db, WebhookSignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        var delivery = await db.WebhookDeliveries.FindAsync([deliveryId], cancellationToken);
        if (delivery is null)
        {
            return WebhookProblems.UnknownDelivery(deliveryId);
        }

        // The same event and webhook-id, on a fresh schedule: a receiver that had it already can tell.
        delivery.Status = WebhookDeliveryStatus.Pending;
        delivery.Attempts = 0;
        delivery.NextAttemptAt = time.GetUtcNow();
        delivery.Version++;
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        var answer = (await DeliveriesAsync(db, db.WebhookDeliveries.Where(d => d.Id == deliveryId), cancellationToken)).Single();
        return TypedResults.Accepted($"/jobs/{delivery.JobId}/webhooks", answer);
    }

    /// <summary>An API key sees its own endpoints; a person every endpoint of the account. Job endpoints are seen through their job.</summary>
    private static IQueryable<WebhookEndpoint> VisibleTo(IQueryable<WebhookEndpoint> endpoints, ClaimsPrincipal caller)
    {
        var owner = caller.AccountId();
        var accountEndpoints = endpoints.Where(endpoint => endpoint.OwnerId == owner && endpoint.JobId == null);
        return caller.CallingApiKeyId() is { } key ? accountEndpoints.Where(endpoint => endpoint.ApiKeyId == key) : accountEndpoints;
    }

    private static async Task<List<WebhookDeliveryResponse>> DeliveriesAsync(
        JobsDbContext db, IQueryable<WebhookDelivery> deliveries, CancellationToken cancellationToken)
    {
        var shown = await deliveries.AsNoTracking().OrderByDescending(d => d.CreatedAt).Take(DeliveriesShown)
            .Join(db.WebhookEndpoints, delivery => delivery.EndpointId, endpoint => endpoint.Id, (delivery, endpoint) => new { delivery, endpoint.Url })
            .ToListAsync(cancellationToken);
        var ids = shown.Select(item => item.delivery.Id).ToList();
        var attempts = (await db.WebhookAttempts.AsNoTracking().Where(a => ids.Contains(a.DeliveryId)).OrderBy(a => a.Id).ToListAsync(cancellationToken))
            .ToLookup(a => a.DeliveryId);
        return [.. shown.Select(item => new WebhookDeliveryResponse(
            item.delivery.Id, item.delivery.EndpointId, item.Url, item.delivery.JobId, item.delivery.EventType, item.delivery.Status,
            item.delivery.Attempts, item.delivery.CreatedAt, item.delivery.DeliveredAt,
            item.delivery.Status == WebhookDeliveryStatus.Pending ? item.delivery.NextAttemptAt : null,
            item.delivery.LastStatusCode, item.delivery.LastError,
            [.. attempts[item.delivery.Id].Select(a => new WebhookAttemptResponse(a.StartedAt, a.DurationMs, a.StatusCode, a.Error))]))];
    }
}
