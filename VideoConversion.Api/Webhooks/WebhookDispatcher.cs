using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Storage;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Sends what is due: every pending delivery whose next attempt has come, at most
/// <see cref="WebhookOptions.MaxConcurrency"/> at once and <see cref="WebhookOptions.MaxConcurrencyPerEndpoint"/>
/// to one endpoint, each within its time limit, so a slow or hanging receiver delays neither job processing
/// (which never waits on a webhook) nor the other receivers. A failed attempt is tried again on the
/// schedule; after the last, the delivery is FAILED. What was in hand at a stop or crash is sent after the start.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    WebhookSender sender,
    WebhookSignal signal,
    VideoStorage storage,
    WebhookMetrics metrics,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Task> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perEndpoint = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _overall = new(options.Value.MaxConcurrency);
    private readonly IReadOnlyList<TimeSpan> _waits = options.Value.Waits();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var (id, endpointId) in await DueAsync(stoppingToken))
                {
                    _inFlight.TryAdd(id, Task.Run(() => AttemptAsync(id, endpointId, stoppingToken), CancellationToken.None));
                }

                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                LogDispatchFailed(logger, exception);
                await Task.Delay(PollInterval, stoppingToken);
            }
        }

        await Task.WhenAll(_inFlight.Values);
    }

    private async Task<List<(string Id, string EndpointId)>> DueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var now = time.GetUtcNow();
        var due = await db.WebhookDeliveries.AsNoTracking()
            .Where(delivery => delivery.Status == WebhookDeliveryStatus.Pending && delivery.NextAttemptAt <= now)
            .OrderBy(delivery => delivery.NextAttemptAt)
            .Take(options.Value.MaxConcurrency * 4)
            .Select(delivery => new { delivery.Id, delivery.EndpointId })
            .ToListAsync(cancellationToken);
        return [.. due.Where(delivery => !_inFlight.ContainsKey(delivery.Id)).Select(delivery => (delivery.Id, delivery.EndpointId))];
    }

    private async Task AttemptAsync(string deliveryId, string endpointId, CancellationToken stoppingToken)
    {
        var endpointGate = _perEndpoint.GetOrAdd(endpointId, _ => new SemaphoreSlim(options.Value.MaxConcurrencyPerEndpoint));
        try
        {
            // The endpoint's own place first: attempts queued behind a slow receiver hold none of the others'.
            await endpointGate.WaitAsync(stoppingToken);
            try
            {
                await _overall.WaitAsync(stoppingToken);
                try
                {
                    await SendAsync(deliveryId, stoppingToken);
                }
                finally
                {
                    _overall.Release();
                }
            }
            finally
            {
                endpointGate.Release();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the delivery stays due and goes out after the next start.
        }
        catch (Exception exception)
        {
            LogAttemptFailed(logger, exception, deliveryId);
        }
        finally
        {
            _inFlight.TryRemove(deliveryId, out _);
            signal.Notify(); // a place is free: anything waiting may go
        }
    }

    private async Task SendAsync(string deliveryId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var delivery = await db.WebhookDeliveries.FindAsync([deliveryId], cancellationToken);
        if (delivery is not { Status: WebhookDeliveryStatus.Pending } || delivery.NextAttemptAt > time.GetUtcNow())
        {
            return;
        }

        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(e => e.Id == delivery.EndpointId, cancellationToken);
        if (endpoint is null)
        {
            delivery.Status = WebhookDeliveryStatus.Failed;
            delivery.LastError = "The endpoint was removed.";
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        var body = await BodyAsync(db, delivery, cancellationToken);
        var result = await sender.SendAsync(endpoint, delivery.Id, body, options.Value.Timeout, cancellationToken);
        db.WebhookAttempts.Add(new WebhookAttempt
        {
            DeliveryId = delivery.Id,
            StartedAt = result.StartedAt,
            DurationMs = Math.Round(result.Duration.TotalMilliseconds, 1),
            StatusCode = result.StatusCode,
            Error = result.Error,
        });
        delivery.Attempts++;
        delivery.LastStatusCode = result.StatusCode;
        delivery.LastError = result.Error;
        string outcome;
        if (result.Received)
        {
            delivery.Status = WebhookDeliveryStatus.Delivered;
            delivery.DeliveredAt = time.GetUtcNow();
            metrics.Delivered(delivery.DeliveredAt.Value - delivery.CreatedAt);
            outcome = "delivered";
        }
        else if (delivery.Attempts > _waits.Count)
        {
            delivery.Status = WebhookDeliveryStatus.Failed;
            outcome = "failed";
            LogGaveUp(logger, delivery.Id, delivery.JobId, delivery.Attempts, result.Error);
        }
        else
        {
            delivery.NextAttemptAt = time.GetUtcNow() + Jittered(_waits[delivery.Attempts - 1]);
            outcome = "retrying";
        }

        delivery.Version++;
        await db.SaveChangesAsync(cancellationToken);
        metrics.Attempted(outcome);
    }

    /// <summary>The recorded body; a job.done one with a download link signed now, while the job still has its output.</summary>
    private async Task<string> BodyAsync(JobsDbContext db, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.EventType != WebhookEventTypes.Done)
        {
            return delivery.Payload;
        }

        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == delivery.JobId, cancellationToken);
        if (job is not { Status: JobStatus.Done, DeletedAt: null })
        {
            return delivery.Payload;
        }

        var url = await storage.PresignDownloadAsync(StorageNames.OutputBucket, StorageNames.OutputKey(job.Id));
        return WebhookPayload.WithOutputLink(delivery.Payload, url, time.GetUtcNow() + storage.DownloadUrlLifetime);
    }

    /// <summary>Up to a fifth more or less, so endpoints that failed together are not all tried again together.</summary>
    private static TimeSpan Jittered(TimeSpan wait) => wait * (0.8 + (Random.Shared.NextDouble() * 0.4));

    public override void Dispose()
    {
        _overall.Dispose();
        foreach (var gate in _perEndpoint.Values)
        {
            gate.Dispose();
        }

        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} for job {JobId} failed after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string deliveryId, string jobId, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}: the attempt could not be made or recorded; it is tried again")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for due webhook deliveries failed; trying again")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);
}
