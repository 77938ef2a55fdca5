using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Records a delivery for every endpoint that wants to hear of a job's move, inside the SaveChanges that
/// makes the move: the event and the job change commit together, whichever code changed the job (a
/// report, a cancel, the sweeper, the reconciler), as the job messages do through the outbox.
/// </summary>
public sealed class WebhookEventRecorder(TimeProvider time, WebhookSignal signal) : SaveChangesInterceptor
{
    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is JobsDbContext db)
        {
            await RecordAsync(db, cancellationToken);
        }

        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        eventData.Context is JobsDbContext db && Moves(db).Any()
            ? throw new InvalidOperationException("Job changes are saved with SaveChangesAsync, which records their webhook events.")
            : result;

    /// <summary>
    /// A save that failed (a concurrent change, the database) announced nothing: the deliveries it added go, so
    /// a later save of the same context cannot record an event for a change that never happened.
    /// </summary>
    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is JobsDbContext db)
        {
            foreach (var added in db.ChangeTracker.Entries<WebhookDelivery>().Where(entry => entry.State == EntityState.Added).ToList())
            {
                added.State = EntityState.Detached;
            }
        }

        return Task.CompletedTask;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        // In the database writer's batch nothing is committed yet: the writer announces the deliveries after its COMMIT.
        if (eventData.Context is JobsDbContext db && db.WriteGate != DatabaseWriteGate.HeldByWriter && db.ChangeTracker.Entries<WebhookDelivery>().Any())
        {
            signal.Notify();
        }

        return ValueTask.FromResult(result);
    }

    private async Task RecordAsync(JobsDbContext db, CancellationToken cancellationToken)
    {
        var moves = Moves(db).ToList();
        if (moves.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        foreach (var (job, eventType) in moves)
        {
            // Read whole first: the reader is closed before the deliveries are added.
            var endpoints = await Listening.For(db)(db, job.OwnerId!, job.Id, job.ApiKeyId).ToListAsync(cancellationToken);
            var payload = WebhookPayload.Create(eventType, job, now);
            foreach (var endpoint in endpoints)
            {
                db.WebhookDeliveries.Add(new WebhookDelivery
                {
                    Id = WebhookLimits.NewDeliveryId(),
                    EndpointId = endpoint.Id,
                    JobId = job.Id,
                    EventType = eventType,
                    Payload = payload,
                    CreatedAt = now,
                    NextAttemptAt = now,
                });
            }
        }
    }

    /// <summary>
    /// The endpoints that hear of a job's moves: its own, its key's and its account's. Compiled
    /// (<see cref="CompiledQueryPerModel{TQuery}"/>): every report that moves a job runs it in the database writer's lane.
    /// </summary>
    private static readonly CompiledQueryPerModel<Func<JobsDbContext, string, string, string?, IAsyncEnumerable<WebhookEndpoint>>> Listening = new(() =>
        EF.CompileAsyncQuery((JobsDbContext db, string ownerId, string jobId, string? apiKeyId) =>
            db.WebhookEndpoints.AsNoTracking().Where(endpoint => endpoint.OwnerId == ownerId &&
                (endpoint.JobId == jobId || (endpoint.JobId == null && (endpoint.ApiKeyId == null || endpoint.ApiKeyId == apiKeyId))))));

    /// <summary>
    /// The jobs whose state this save changes, with the event each move announces. Entries compares the tracked entities
    /// with their snapshots first, unless the save has just done so (<see cref="JobsDbContext"/> turns that off meanwhile).
    /// </summary>
    private static IEnumerable<(Job Job, string EventType)> Moves(JobsDbContext db)
    {
        foreach (var entry in db.ChangeTracker.Entries<Job>())
        {
            // A deleted job announces nothing more; its cancellation was announced before it was deleted.
            if (entry.State != EntityState.Modified || entry.Entity.OwnerId is null || entry.Property(job => job.DeletedAt).OriginalValue is not null)
            {
                continue;
            }

            var status = entry.Property(job => job.Status);
            if (status.IsModified && status.OriginalValue != status.CurrentValue && WebhookEventTypes.For(status.CurrentValue) is { } eventType)
            {
                yield return (entry.Entity, eventType);
            }
        }
    }
}
