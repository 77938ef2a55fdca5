using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Storage;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Sends what is due: every pending delivery whose next attempt has come, at most
/// <see cref="WebhookOptions.MaxConcurrency"/> at once, <see cref="WebhookOptions.MaxConcurrencyPerAccount"/> for one
/// account and <see cref="WebhookOptions.MaxConcurrencyPerEndpoint"/> to one receiving host, each within its time
/// limit, so a slow or hanging receiver delays neither job processing (which never waits on a webhook) nor the
/// other receivers. A failed attempt is tried again on the
/// schedule; after the last, the delivery is FAILED. What was in hand at a stop or crash is sent after the start.
/// With several API replicas, only the one holding the dispatcher's lease sends: each due delivery is attempted once,
/// not once per replica. What was in hand when the lease was lost goes out from whichever replica holds it next.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    DatabaseWriter writer,
    WebhookSender sender,
    WebhookSignal signal,
    VideoStorage storage,
    WebhookMetrics metrics,
    ReplicaLeases leases,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Due deliveries read at once; pages are read on while some are passed over, up to <see cref="MaxPagesPerRound"/>.</summary>
    private const int PageSize = 128;

    private const int MaxPagesPerRound = 20;

    /// <summary>The longest a passed-over delivery waits for a place under its account or host before it is looked at again.</summary>
    private static readonly TimeSpan PassedOverLimit = TimeSpan.FromSeconds(30);

    private const string AccountKeyPrefix = "account:";
    private const string HostKeyPrefix = "host:";

    /// <summary>How long a delivery whose attempt could not even be recorded waits before it is tried again.</summary>
    private static readonly TimeSpan UnrecordedBackoff = TimeSpan.FromSeconds(30);

    /// <summary>The deliveries being attempted now, left out of the due query until their attempt is recorded.</summary>
    private readonly ConcurrentDictionary<string, byte> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _backedOff = new(StringComparer.Ordinal);

    /// <summary>
    /// Per receiving host (scheme, host, port), not per endpoint: one job's own webhook_url is an endpoint of its
    /// own, and many of them at one hanging host must not take every place.
    /// </summary>
    private readonly KeyedGates _perHost = new(options.Value.MaxConcurrencyPerEndpoint);

    /// <summary>Per account: one whose receivers hang (however many hosts they name) holds only its own places.</summary>
    private readonly KeyedGates _perAccount = new(options.Value.MaxConcurrencyPerAccount);
    private readonly SemaphoreSlim _overall = new(options.Value.MaxConcurrency);
    private readonly WebhookRetrySchedule _schedule = options.Value.Schedule();

    /// <summary>Deliveries passed over because their account or host was full, by that key; let go when a place there frees.</summary>
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _passedOver = new(StringComparer.OrdinalIgnoreCase);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        leases.RunWhileHeldAsync(ReplicaDuties.WebhookDispatcher, DispatchAsync, stoppingToken);

    /// <param name="stoppingToken">Cancelled at a stop, or when this replica loses the dispatcher's lease; the attempts
    /// begun under the lease are cancelled with it.</param>
    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await StartDueAsync(stoppingToken);
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
        }
        finally
        {
            // Every attempt ends (giving its places back) before the lease is given up: while the lease's session
            // lives, no other replica starts sending until this one's attempts are over. Then what this replica knew
            // of the deliveries is forgotten.
            await Task.WhenAll(_running.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            ForgetDeliveries();
        }
    }

    /// <summary>
    /// Once a lease is over: another replica may have sent, redelivered or given up on any delivery since, so a lease
    /// regained later starts from the database alone, with nothing in hand, backed off or passed over. The places
    /// (overall, per account, per host) need no reset: every attempt gave its own back as it ended.
    /// </summary>
    private void ForgetDeliveries()
    {
        _inFlight.Clear();
        _backedOff.Clear();
        _passedOver.Clear();
    }

    /// <summary>
    /// Starts every due delivery that may start now. Those whose account or host is full are passed over until a
    /// place there frees, and the next page is read past them: a backlog at one receiver never hides another's.
    /// </summary>
    private async Task StartDueAsync(CancellationToken stoppingToken)
    {
        for (var page = 0; page < MaxPagesPerRound; page++)
        {
            var due = await DueAsync(stoppingToken);
            var passedOver = false;
            foreach (var (id, url, owner) in due)
            {
                if (_inFlight.ContainsKey(id))
                {
                    continue;
                }

                var admission = TryAdmit(id, url, owner);
                if (admission is null)
                {
                    return; // every place is taken: the next round, when an attempt ends
                }

                if (admission.Places is null)
                {
                    passedOver = true;
                    continue;
                }

                _inFlight.TryAdd(id, 0);
                var attempt = Task.Run(() => AttemptAsync(id, admission, stoppingToken), CancellationToken.None);
                _running.TryAdd(attempt, 0);
                _ = attempt.ContinueWith(done => _running.TryRemove(done, out _), TaskScheduler.Default);
            }

            if (!passedOver || due.Count < PageSize)
            {
                return;
            }
        }
    }

    /// <summary>The oldest due deliveries not in hand already (the query leaves those out, so a backlog at one host blocks no other).</summary>
    private async Task<List<(string Id, string Url, string Owner)>> DueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var now = time.GetUtcNow();
        foreach (var (id, until) in _backedOff.Where(entry => entry.Value <= now).ToList())
        {
            _backedOff.TryRemove(new KeyValuePair<string, DateTimeOffset>(id, until));
        }

        var skip = _inFlight.Keys.Concat(_backedOff.Keys).ToList();
        var due = await db.WebhookDeliveries.AsNoTracking()
            .Where(delivery => delivery.Status == WebhookDeliveryStatus.Pending && delivery.NextAttemptAt <= now && !skip.Contains(delivery.Id))
            .OrderBy(delivery => delivery.NextAttemptAt)
            .Take(PageSize)
            .Join(db.WebhookEndpoints, delivery => delivery.EndpointId, endpoint => endpoint.Id,
                (delivery, endpoint) => new { delivery.Id, endpoint.Url, endpoint.OwnerId })
            .ToListAsync(cancellationToken);
        // A delivery read may be committed but not yet flushed by the writer: its event is sent only once it is on disk.
        if (due.Count > 0)
        {
            await writer.FlushedAsync(cancellationToken);
        }

        return [.. due.Select(delivery => (delivery.Id, delivery.Url, delivery.OwnerId))];
    }

    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}" : url;

    /// <summary>
    /// Takes the delivery's three places (overall, its account's, its host's) without waiting for any: nothing is
    /// ever held while waiting, so deliveries queued behind a hanging receiver hold none of another's places.
    /// </summary>
    /// <returns>Null when every place is taken. Otherwise the admission, with its places, or without when its account
    /// or host is full: then it is passed over until a place there frees (at most <see cref="PassedOverLimit"/>).</returns>
    private Admission? TryAdmit(string deliveryId, string url, string owner)
    {
        if (!_overall.Wait(0))
        {
            return null;
        }

        var overall = new Place(_overall);
        var receivingHost = HostOf(url);
        var admission = new Admission(AccountKeyPrefix + owner, HostKeyPrefix + receivingHost, null);
        var account = _perAccount.TryEnter(owner);
        var host = account is null ? null : _perHost.TryEnter(receivingHost);
        if (account is null || host is null)
        {
            account?.Dispose();
            overall.Dispose();
            _backedOff[deliveryId] = time.GetUtcNow() + PassedOverLimit;
            _passedOver.GetOrAdd(account is null ? admission.AccountKey : admission.HostKey, _ => new(StringComparer.Ordinal)).TryAdd(deliveryId, 0);
            return admission;
        }

        return admission with { Places = new Places(overall, account, host) };
    }

    /// <summary>A place under <paramref name="key"/> is free again: what was passed over for it may go.</summary>
    private void LetPassedOverGo(string key)
    {
        if (_passedOver.TryRemove(key, out var waiting))
        {
            foreach (var id in waiting.Keys)
            {
                _backedOff.TryRemove(id, out _);
            }
        }
    }

    private async Task AttemptAsync(string deliveryId, Admission admission, CancellationToken stoppingToken)
    {
        try
        {
            using (admission.Places)
            {
                await SendAsync(deliveryId, stoppingToken);
            }

        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, or the lease is lost: the delivery stays due and goes out from the next holder of the lease
            // (this replica after the next start).
        }
        catch (Exception exception)
        {
            // Not the receiver's doing (the secret could not be read, the database did not answer): counted as a
            // failed attempt on the schedule like any other, or, if even that cannot be recorded, left alone a while.
            LogAttemptFailed(logger, exception, deliveryId);
            if (!await TryRecordFailureAsync(deliveryId, "The attempt could not be made (an error of the service).", stoppingToken))
            {
                _backedOff[deliveryId] = time.GetUtcNow() + UnrecordedBackoff;
            }
        }
        finally
        {
            _inFlight.TryRemove(deliveryId, out _);
            LetPassedOverGo(admission.AccountKey);
            LetPassedOverGo(admission.HostKey);
            signal.Notify(); // a place is free: anything waiting may go
        }
    }

    private async Task<bool> TryRecordFailureAsync(string deliveryId, string error, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
            if (await db.WebhookDeliveries.FindAsync([deliveryId], cancellationToken) is { Status: WebhookDeliveryStatus.Pending } delivery)
            {
                metrics.Attempted(Schedule(delivery, error, permanent: false));
                await db.SaveChangesAsync(cancellationToken);
            }

            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return false;
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
        var attempt = new WebhookAttempt
        {
            DeliveryId = delivery.Id,
            StartedAt = result.StartedAt,
            DurationMs = Math.Round(result.Duration.TotalMilliseconds, 1),
            StatusCode = result.StatusCode,
            Error = result.Error is { Length: > WebhookLimits.ErrorLength } text ? text[..WebhookLimits.ErrorLength] : result.Error,
        };
        db.WebhookAttempts.Add(attempt);
        delivery.LastStatusCode = result.StatusCode;
        string outcome;
        if (result.Received)
        {
            delivery.Attempts++;
            delivery.LastError = null;
            delivery.Status = WebhookDeliveryStatus.Delivered;
            delivery.DeliveredAt = time.GetUtcNow();
            delivery.Version++;
            metrics.Delivered(delivery.DeliveredAt.Value - delivery.CreatedAt);
            outcome = "delivered";
        }
        else
        {
            outcome = Schedule(delivery, result.Error!, result.Permanent);
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Changed while it was being sent (an administrator redelivered it, its endpoint went): that change
            // stands, and the delivery's state is not recorded over it (a redelivered one goes out again, as
            // asked); the attempt itself, made all the same, stays in its log while the delivery exists.
            LogChangedWhileSending(logger, deliveryId);
            db.ChangeTracker.Clear();
            if (await db.WebhookDeliveries.AnyAsync(d => d.Id == deliveryId, cancellationToken))
            {
                db.WebhookAttempts.Add(attempt);
                await db.SaveChangesAsync(cancellationToken);
            }
        }

        metrics.Attempted(outcome);
    }

    /// <summary>A failed attempt: the next one on the schedule, or FAILED when the schedule (or the target) allows no other.</summary>
    private string Schedule(WebhookDelivery delivery, string error, bool permanent)
    {
        delivery.Attempts++;
        delivery.LastError = error.Length <= WebhookLimits.ErrorLength ? error : error[..WebhookLimits.ErrorLength];
        delivery.Version++;
        var wait = permanent ? null : _schedule.WaitAfter(delivery.Attempts, Random.Shared.NextDouble());
        if (wait is null)
        {
            delivery.Status = WebhookDeliveryStatus.Failed;
            LogGaveUp(logger, delivery.Id, delivery.JobId, delivery.Attempts, error);
            return "failed";
        }

        delivery.NextAttemptAt = time.GetUtcNow() + wait.Value;
        return "retrying";
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

    /// <param name="Places">The places taken; null when the delivery was passed over.</param>
    private sealed record Admission(string AccountKey, string HostKey, IDisposable? Places);

    private sealed class Place(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    private sealed class Places(params IDisposable[] held) : IDisposable
    {
        public void Dispose()
        {
            foreach (var place in held)
            {
                place.Dispose();
            }
        }
    }

    public override void Dispose()
    {
        _overall.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} for job {JobId} failed after {Attempts} attempts: {Error}")]
    private static partial void LogGaveUp(ILogger logger, string deliveryId, string jobId, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}: the attempt could not be made or recorded; it is tried again")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} changed while it was being sent; the attempt is not recorded over the change")]
    private static partial void LogChangedWhileSending(ILogger logger, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for due webhook deliveries failed; trying again")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);
}
