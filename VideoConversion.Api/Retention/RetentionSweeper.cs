using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Uploads;

namespace VideoConversion.Api.Retention;

/// <summary>
/// Keeps storage bounded and the job records true: uploads that never came expire, inputs are
/// removed a while after their job ended, and outputs past their retention time expire and are
/// removed. A job changes state first (optimistic concurrency guards it against a request racing
/// it), and its object is removed after; a removal that fails is tried again on the next round,
/// because the job still says its object is there. With several API replicas, only the one holding
/// the sweeper's lease sweeps: one pass at a time, not one per replica racing the others.
/// </summary>
public sealed partial class RetentionSweeper(
    IServiceScopeFactory scopes,
    VideoStorage storage,
    MultipartUploads multipart,
    RetentionMetrics metrics,
    ReplicaLeases leases,
    TimeProvider time,
    IOptions<RetentionOptions> options,
    UploadAcceptance uploads,
    UploadEventMetrics uploadEvents,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>A round goes on while batches come back full, up to this many per kind: a backlog is worked off, not a minute at a time.</summary>
    private const int MaxBatchesPerRound = 20;

    /// <summary>How old a claimed input's removal must be before it is repeated: past the round that claimed it.</summary>
    private static readonly TimeSpan PendingRemovalGrace = TimeSpan.FromMinutes(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        leases.RunWhileHeldAsync(ReplicaDuties.RetentionSweeper, SweepRoundsAsync, stoppingToken);

    /// <param name="cancellationToken">Cancelled at a stop, or when this replica loses the sweeper's lease.</param>
    private async Task SweepRoundsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(cancellationToken);
                metrics.SweepCompleted();
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, exception); // storage or the database; the next round tries again
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var retention = options.Value;
        var uploadCutoff = now - retention.UploadGracePeriod;
        var outputCutoff = now - retention.Outputs;
        var inputCutoff = now - retention.InputsAfter;
        // A removed output stays removable until every download link signed before it expired has run out.
        var downloadCutoff = now - storage.DownloadUrlLifetime;

        await StartMissedUploadsAsync(now, cancellationToken);

        // An upload that never came: the job expires, and what storage holds of it is removed at once. A PUT
        // still running then (a large file on a slow link) may land later: the input rule below removes it
        // again, and records it gone, once InputsAfter has passed.
        await SweepAsync(jobs => jobs.Where(job => job.Status == JobStatus.AwaitingUpload && job.UploadExpiresAt < uploadCutoff),
            async job =>
            {
                var uploaded = await storage.GetUploadAsync(job.InputKey, cancellationToken) is not null;
                // One that starts on upload and did arrive is started (above, next round), never expired.
                if ((uploaded && job.StartOnUpload) || !job.ExpireUpload(time.GetUtcNow(), uploaded))
                {
                    return null;
                }

                return async () =>
                {
                    await storage.DeleteInputAsync(job.InputKey, cancellationToken);
                    metrics.Swept("upload");
                };
            }, cancellationToken);
        // A multipart upload left behind (its job expired, was canceled or deleted, or was done in one PUT after all):
        // aborted, so storage keeps no parts nobody will assemble.
        await SweepAsync(
            jobs => jobs.Where(job => job.MultipartUploadId != null && (job.Status != JobStatus.AwaitingUpload || job.DeletedAt != null)),
            async job =>
            {
                var uploadId = job.MultipartUploadId!;
                try
                {
                    await multipart.AbortAsync(job.InputKey, uploadId, cancellationToken);
                }
                catch (Exception exception) when (exception is StorageUnavailableException or StorageRefusedException)
                {
                    // This job's parts wait for the next round; the rest of retention goes on.
                    LogAbortFailed(logger, job.Id, exception);
                    return null;
                }

                job.EndMultipart(uploadId, time.GetUtcNow());
                metrics.Swept("parts");
                return NothingMore;
            }, cancellationToken);
        if (retention.Outputs > TimeSpan.Zero)
        {
            await SweepAsync(jobs => jobs.Where(job => job.Status == JobStatus.Done && job.DeletedAt == null && job.FinishedAt < outputCutoff),
                job => Task.FromResult(job.ExpireOutput(time.GetUtcNow()) ? NothingMore : null), cancellationToken);
        }

        // Claimed first, then removed: a retry that commits in between sees the claim (its version check fails,
        // or it finds the input gone and says so) and never starts a run on an input being removed.
        await SweepAsync(
            jobs => jobs.Where(job => job.InputDeletedAt == null && job.FinishedAt < inputCutoff &&
                (job.Status == JobStatus.Done || job.Status == JobStatus.Failed || job.Status == JobStatus.Expired ||
                 job.Status == JobStatus.Canceled)),
            job => Task.FromResult<Func<Task>?>(job.ForgetInput(time.GetUtcNow()) ? () => RemoveInputAsync(job, firstTime: true, cancellationToken) : null),
            cancellationToken);
        await SweepAsync(
            jobs => jobs.Where(job => job.Status == JobStatus.Expired && job.SubmittedAt != null && job.OutputDeletedAt == null &&
                job.UpdatedAt < downloadCutoff),
            async job =>
            {
                await storage.DeleteOutputAsync(job.Id, cancellationToken);
                metrics.Swept("output");
                return job.ForgetOutput(time.GetUtcNow()) ? NothingMore : null;
            }, cancellationToken);

        // A deleted job whose files storage did not remove when it was deleted.
        await SweepAsync(
            jobs => jobs.Where(job => job.DeletedAt != null && (job.InputDeletedAt == null || job.OutputDeletedAt == null)),
            async job =>
            {
                await storage.DeleteJobFilesAsync(job.Id, job.InputKey, job.Runs, cancellationToken);
                metrics.Swept("deleted");
                return job.ForgetFiles(time.GetUtcNow()) ? NothingMore : null;
            }, cancellationToken);
        await RemoveTombstonesAsync(inputCutoff, cancellationToken);
        await ForgetWebhookDeliveriesAsync(now - retention.WebhookDeliveries, cancellationToken);
        // A claim whose removal did not happen (storage failed, the API stopped in between): removed again, until done.
        await RemoveClaimedInputsAsync(now - PendingRemovalGrace, cancellationToken);
    }

    /// <summary>
    /// A job that was to start on upload, whose upload is in storage but whose event never came (storage could not reach
    /// the broker, say): started once its URL has expired (no upload can begin after that), never expired for an upload
    /// that arrived. Each job is decided afresh in a scope of its own: one that a writer changed meanwhile holds up no other.
    /// </summary>
    private async Task StartMissedUploadsAsync(DateTimeOffset urlsExpiredBefore, CancellationToken cancellationToken)
    {
        // Jobs with the same expiry (to the tick) as a batch's last are left to the next round.
        var after = DateTimeOffset.MinValue;
        for (var batch = 0; batch < MaxBatchesPerRound; batch++)
        {
            List<(string Id, DateTimeOffset ExpiresAt)> waiting;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
                waiting = (await db.Jobs.AsNoTracking()
                    .Where(job => job.Status == JobStatus.AwaitingUpload && job.StartOnUpload && job.DeletedAt == null &&
                        job.UploadExpiresAt < urlsExpiredBefore && job.UploadExpiresAt > after)
                    .OrderBy(job => job.UploadExpiresAt).Take(BatchSize)
                    .Select(job => new { job.Id, job.UploadExpiresAt }).ToListAsync(cancellationToken))
                    .ConvertAll(job => (job.Id, job.UploadExpiresAt));
            }

            foreach (var (id, _) in waiting)
            {
                await StartIfUploadedAsync(id, cancellationToken);
            }

            if (waiting.Count < BatchSize)
            {
                return;
            }

            after = waiting[^1].ExpiresAt;
        }
    }

    private async Task StartIfUploadedAsync(string jobId, CancellationToken cancellationToken)
    {
        Job? job;
        await using (var scope = scopes.CreateAsyncScope())
        {
            job = await scope.ServiceProvider.GetRequiredService<JobsDbContext>().Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken);
        }

        if (job is not { Status: JobStatus.AwaitingUpload } || await storage.GetUploadAsync(job.InputKey, cancellationToken) is not { } upload)
        {
            return; // moved on meanwhile, or it never came: it expires after the grace period
        }

        // In the job's own trace, as any submission.
        using var submission = JobTrace.ContinueForSubmission(job);
        if ((await uploads.SubmitAsync(job.Id, upload, isFresh: true, JobTrace.Current() ?? job.TraceParent, withSubmission: null, cancellationToken)).Outcome
            == UploadOutcome.Submitted)
        {
            uploadEvents.Handled(UploadEventMetrics.Outcomes.Missed);
            LogMissedUploadStarted(logger, job.Id);
        }
    }

    /// <summary>Removes a claimed input (and what a canceled or failed job may have left of its outputs), then records storage's confirmation.</summary>
    /// <param name="firstTime">False when a removal that failed is repeated: counted once, when it was claimed.</param>
    private async Task RemoveInputAsync(Job job, bool firstTime, CancellationToken cancellationToken)
    {
        if (job.InputUrl is null) // a job from a URL keeps no input in storage
        {
            await storage.DeleteInputAsync(job.InputKey, cancellationToken);
        }

        if (job.Status is JobStatus.Canceled or JobStatus.Failed)
        {
            // A worker that finished as the cancel arrived may have stored an output nobody will get, and one that
            // failed while storing a stream may have left some of its files: nobody gets them, nobody counts them.
            await storage.DeleteOutputAsync(job.Id, cancellationToken);
        }

        if (firstTime)
        {
            metrics.Swept("input");
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        using (await db.WriteGate.EnterAsync(cancellationToken))
        {
            // Only this column: a request that changed the job meanwhile keeps its change, and no version is bumped.
            await db.Jobs.Where(stored => stored.Id == job.Id)
                .ExecuteUpdateAsync(update => update.SetProperty(stored => stored.InputRemovalPending, false), cancellationToken);
        }
    }

    /// <summary>
    /// Each claimed input whose removal is not confirmed, once per round, oldest first: one that keeps failing is
    /// logged and passed, and holds up neither the others nor the rest of the sweep.
    /// </summary>
    private async Task RemoveClaimedInputsAsync(DateTimeOffset claimedBefore, CancellationToken cancellationToken)
    {
        var after = DateTimeOffset.MinValue;
        for (var batch = 0; batch < MaxBatchesPerRound; batch++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
            var claimed = await db.Jobs.AsNoTracking()
                .Where(job => job.InputRemovalPending && job.InputDeletedAt < claimedBefore && job.InputDeletedAt > after)
                .OrderBy(job => job.InputDeletedAt).Take(BatchSize).ToListAsync(cancellationToken);
            foreach (var job in claimed)
            {
                try
                {
                    await RemoveInputAsync(job, firstTime: false, cancellationToken);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    LogRemovalFailed(logger, exception, job.Id);
                }
            }

            if (claimed.Count < BatchSize)
            {
                return;
            }

            after = claimed[^1].InputDeletedAt!.Value;
        }
    }

    /// <summary>The record of webhooks stays bounded: deliveries that ended go after their retention, their attempts with them.</summary>
    private async Task ForgetWebhookDeliveriesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        using (await db.WriteGate.EnterAsync(cancellationToken))
        {
            await db.WebhookDeliveries
                .Where(delivery => delivery.Status != Webhooks.WebhookDeliveryStatus.Pending && delivery.CreatedAt < cutoff)
                .ExecuteDeleteAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Deleted jobs go for good once InputsAfter has passed: their files are removed once more first, for
    /// the output a worker that never heard of the cancellation may have stored since.
    /// </summary>
    private async Task RemoveTombstonesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        for (var batch = 0; batch < MaxBatchesPerRound; batch++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
            // Kept while a webhook of it (its job.canceled) is still being delivered.
            var tombstones = await db.Jobs.AsNoTracking()
                .Where(job => job.DeletedAt != null && job.DeletedAt < cutoff &&
                    !db.WebhookDeliveries.Any(delivery => delivery.JobId == job.Id && delivery.Status == Webhooks.WebhookDeliveryStatus.Pending))
                .OrderBy(job => job.DeletedAt).Take(BatchSize).ToListAsync(cancellationToken);
            foreach (var job in tombstones)
            {
                await storage.DeleteJobFilesAsync(job.Id, job.InputKey, job.Runs, cancellationToken);
                int removed;
                using (await db.WriteGate.EnterAsync(cancellationToken))
                {
                    removed = await db.Jobs.Where(stored => stored.Id == job.Id && stored.Version == job.Version).ExecuteDeleteAsync(cancellationToken);
                }

                if (removed > 0)
                {
                    LogTombstoneRemoved(logger, job.Id);
                }
            }

            if (tombstones.Count < BatchSize)
            {
                return;
            }
        }
    }

    /// <summary>After a change is saved: nothing more to do.</summary>
    private static readonly Func<Task> NothingMore = () => Task.CompletedTask;

    /// <summary>
    /// For each matching job (in batches, until none is left or <see cref="MaxBatchesPerRound"/>): <paramref name="step"/>
    /// changes it and says what to do once the change is saved (null: nothing changed). A job a request
    /// changed meanwhile is left for the next round.
    /// </summary>
    private async Task SweepAsync(
        Func<IQueryable<Job>, IQueryable<Job>> select, Func<Job, Task<Func<Task>?>> step, CancellationToken cancellationToken)
    {
        for (var batch = 0; batch < MaxBatchesPerRound; batch++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
            var jobs = await select(db.Jobs).OrderBy(job => job.CreatedAt).Take(BatchSize).ToListAsync(cancellationToken);
            foreach (var job in jobs)
            {
                if (await step(job) is { } afterSave && await SaveAsync(db, job, cancellationToken))
                {
                    await afterSave();
                }
            }

            if (jobs.Count < BatchSize)
            {
                return;
            }
        }
    }

    private async Task<bool> SaveAsync(JobsDbContext db, Job job, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            LogSwept(logger, job.Id, job.Status);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.Entry(job).State = EntityState.Detached; // a request got there first; the next round sees what it did
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: job {JobId} is {Status}")]
    private static partial void LogSwept(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: deleted job {JobId} removed for good")]
    private static partial void LogTombstoneRemoved(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention: the input of job {JobId} could not be removed; the next round tries again")]
    private static partial void LogRemovalFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention: the multipart upload of job {JobId} could not be aborted; the next round tries again")]
    private static partial void LogAbortFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention: job {JobId} was uploaded but its upload event never came; started now")]
    private static partial void LogMissedUploadStarted(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A retention sweep failed; the next round tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
