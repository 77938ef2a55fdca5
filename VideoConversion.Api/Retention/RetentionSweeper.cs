using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Storage;

namespace VideoConversion.Api.Retention;

/// <summary>
/// Keeps storage bounded and the job records true: uploads that never came expire, inputs are
/// removed a while after their job ended, and outputs past their retention time expire and are
/// removed. A job changes state first (optimistic concurrency guards it against a request racing
/// it), and its object is removed after; a removal that fails is tried again on the next round,
/// because the job still says its object is there.
/// </summary>
public sealed partial class RetentionSweeper(
    IServiceScopeFactory scopes,
    VideoStorage storage,
    RetentionMetrics metrics,
    TimeProvider time,
    IOptions<RetentionOptions> options,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(logger, exception); // storage or the database; the next round tries again
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var retention = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();

        var uploadCutoff = now - retention.UploadGracePeriod;
        await ChangeAsync(db, jobs => jobs.Where(job => job.Status == JobStatus.AwaitingUpload && job.UploadExpiresAt < uploadCutoff),
            job => job.ExpireUpload(now), cancellationToken);
        if (retention.Outputs > TimeSpan.Zero)
        {
            var outputCutoff = now - retention.Outputs;
            await ChangeAsync(db, jobs => jobs.Where(job => job.Status == JobStatus.Done && job.FinishedAt < outputCutoff),
                job => job.ExpireOutput(now), cancellationToken);
        }

        // An upload that never came is removed at once (it can only be partial); other inputs after InputsAfter.
        var inputCutoff = now - retention.InputsAfter;
        await RemoveAsync(db,
            jobs => jobs.Where(job => job.InputDeletedAt == null &&
                (job.Status == JobStatus.Done || job.Status == JobStatus.Failed || job.Status == JobStatus.Expired) &&
                ((job.Status == JobStatus.Expired && job.SubmittedAt == null) || job.FinishedAt < inputCutoff)),
            async job =>
            {
                await storage.DeleteInputAsync(job.InputKey, cancellationToken);
                metrics.Swept(job.SubmittedAt is null ? "upload" : "input");
                return job.ForgetInput(time.GetUtcNow());
            }, cancellationToken);
        await RemoveAsync(db,
            jobs => jobs.Where(job => job.Status == JobStatus.Expired && job.OutputBytes != null && job.OutputDeletedAt == null),
            async job =>
            {
                await storage.DeleteOutputAsync(job.Id, cancellationToken);
                metrics.Swept("output");
                return job.ForgetOutput(time.GetUtcNow());
            }, cancellationToken);
    }

    /// <summary>Applies a state change to each matching job; one a request changed meanwhile is left for the next round.</summary>
    private async Task ChangeAsync(
        JobsDbContext db, Func<IQueryable<Job>, IQueryable<Job>> select, Func<Job, bool> change, CancellationToken cancellationToken)
    {
        foreach (var job in await select(db.Jobs).OrderBy(job => job.CreatedAt).Take(BatchSize).ToListAsync(cancellationToken))
        {
            if (change(job))
            {
                await SaveAsync(db, job, cancellationToken);
            }
        }
    }

    /// <summary>Removes each matching job's object, then records that it is gone.</summary>
    private async Task RemoveAsync(
        JobsDbContext db, Func<IQueryable<Job>, IQueryable<Job>> select, Func<Job, Task<bool>> remove, CancellationToken cancellationToken)
    {
        foreach (var job in await select(db.Jobs).OrderBy(job => job.CreatedAt).Take(BatchSize).ToListAsync(cancellationToken))
        {
            if (await remove(job))
            {
                await SaveAsync(db, job, cancellationToken);
            }
        }
    }

    private async Task SaveAsync(JobsDbContext db, Job job, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            LogSwept(logger, job.Id, job.Status);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.Entry(job).State = EntityState.Detached; // a request got there first; the next round sees what it did
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: job {JobId} is {Status}, its expired objects removed")]
    private static partial void LogSwept(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A retention sweep failed; the next round tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
