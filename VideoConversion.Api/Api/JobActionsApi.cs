using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Api;

/// <summary>
/// What an owner does to a job after creating it: cancel it, run it again, delete it. Each change and
/// the message that tells the workers commit together (the outbox), re-read and re-decided when another
/// writer (a worker's report, the sweeper) changed the job in between.
/// </summary>
public static partial class JobActionsApi
{
    private const int MaxConcurrencyRounds = 3;

    public static RouteGroupBuilder MapJobActions(this RouteGroupBuilder jobs)
    {
        jobs.MapPost("/{jobId}/cancel", CancelJob)
            .WithName(nameof(CancelJob))
            .WithSummary("Cancel a job awaiting its upload, pending or processing")
            .WithDescription("It is CANCELED at once; a worker converting it stops within seconds and removes its files. " +
                "Canceling twice changes nothing; a DONE, FAILED or EXPIRED job answers 409.");
        jobs.MapPost("/{jobId}/retry", RetryJob)
            .WithName(nameof(RetryJob))
            .WithSummary("Run a FAILED or CANCELED job again")
            .WithDescription("Back to PENDING for a fresh run, while its uploaded video is still stored.");
        jobs.MapDelete("/{jobId}", DeleteJob)
            .WithName(nameof(DeleteJob))
            .WithSummary("Delete a job and its files")
            .WithDescription("Cancels it first if needed, removes its video and output from storage (old download links stop working), " +
                "and the job is gone: GET answers 404.");
        return jobs;
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> CancelJob(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            if (await FindAsync(jobId, caller, services, cancellationToken) is not { } job)
            {
                return JobProblems.UnknownJob(jobId);
            }

            using var jobContext = JobContext.Enter(services.Logger, job.Id, job.Attempts);
            var status = job.Status;
            var now = services.Time.GetUtcNow();
            var outcome = job.Cancel(now);
            if (outcome == CancelOutcome.AlreadyFinished)
            {
                return JobProblems.NotCancelable(job.Id, job.Status);
            }

            if (outcome != CancelOutcome.AlreadyCanceled)
            {
                if (!await SaveAsync(job, outcome, services, now, round, cancellationToken))
                {
                    continue;
                }

                services.Metrics.Canceled(ApiJson.StatusName(status));
                LogCanceled(services.Logger, job.Id, status);
            }

            return TypedResults.Ok(await JobResponses.FromAsync(job, services));
        }
    }

    public static async Task<Results<Accepted<SubmitJobResponse>, ProblemHttpResult>> RetryJob(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, IOptions<QuotaOptions> quotas,
        CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            if (await FindAsync(jobId, caller, services, cancellationToken) is not { } job)
            {
                return JobProblems.UnknownJob(jobId);
            }

            using var jobContext = JobContext.Enter(services.Logger, job.Id, job.Attempts);
            var now = services.Time.GetUtcNow();
            switch (job.Retry(now))
            {
                case RetryOutcome.NotRetryable:
                    return JobProblems.NotRetryable(job.Id, job.Status);
                case RetryOutcome.InputGone:
                    return JobProblems.InputGone(job.Id);
            }

            // Active again: the quota check and the change commit as one step (the account locked), as at /upload/request.
            await using (var step = await AccountWriteStep.BeginAsync(services.Db, job.OwnerId ?? "", cancellationToken))
            {
                if (job.OwnerId is { } owner &&
                    await AccountUsage.OfAsync(services.Db, owner, cancellationToken) is var usage &&
                    usage.ActiveJobs >= quotas.Value.MaxActiveJobs)
                {
                    return QuotaProblems.TooManyActiveJobs(usage.ActiveJobs, quotas.Value.MaxActiveJobs);
                }

                services.Db.Outbox.Add(JobQueueing.Message(job, job.OutputFormat, now, job.TraceParent, services.Uploads.Value.MaxFileBytes));
                try
                {
                    await step.SaveAsync(services.Db, cancellationToken);
                }
                catch (DbUpdateConcurrencyException) when (round < MaxConcurrencyRounds)
                {
                    services.Db.ChangeTracker.Clear();
                    continue;
                }
            }

            services.Outbox.Notify();
            LogRetried(services.Logger, job.Id, job.Runs);
            return TypedResults.Accepted($"/jobs/{job.Id}", new SubmitJobResponse(job.Id, job.Status));
        }
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteJob(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            if (await FindAsync(jobId, caller, services, cancellationToken) is not { } job)
            {
                return JobProblems.UnknownJob(jobId);
            }

            using var jobContext = JobContext.Enter(services.Logger, job.Id, job.Attempts);
            var status = job.Status;
            var now = services.Time.GetUtcNow();
            var canceled = job.Cancel(now);
            job.Delete(now);
            if (!await SaveAsync(job, canceled, services, now, round, cancellationToken))
            {
                continue;
            }

            if (canceled is CancelOutcome.Canceled or CancelOutcome.CanceledWithWorkers)
            {
                services.Metrics.Canceled(ApiJson.StatusName(status));
            }

            LogDeleted(services.Logger, job.Id);
            // The files go now, so no link signed before works any more; should storage not answer, the
            // retention sweeper removes them on its next round (the tombstone says they are still there).
            try
            {
                await services.Storage.DeleteJobFilesAsync(job.Id, job.InputKey, job.Runs, cancellationToken);
                job.ForgetFiles(services.Time.GetUtcNow());
                await services.Db.SaveChangesAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is StorageUnavailableException or DbUpdateConcurrencyException)
            {
                LogFilesLeftToSweeper(services.Logger, exception, job.Id);
            }

            return TypedResults.NoContent();
        }
    }

    private static Task<Job?> FindAsync(string jobId, ClaimsPrincipal caller, JobServices services, CancellationToken cancellationToken) =>
        JobId.IsWellFormed(jobId)
            ? services.Db.Jobs.VisibleTo(caller).SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken)
            : Task.FromResult<Job?>(null);

    /// <summary>
    /// Saves the change, with the cancellation every worker must hear when one may hold the job. False when
    /// another writer changed the job first and there are rounds left: the caller reads it again and re-decides.
    /// </summary>
    private static async Task<bool> SaveAsync(
        Job job, CancelOutcome canceled, JobServices services, DateTimeOffset now, int round, CancellationToken cancellationToken)
    {
        if (canceled == CancelOutcome.CanceledWithWorkers)
        {
            services.Db.Outbox.Add(JobQueueing.Cancellation(job, job.Runs, now));
            // A job message not yet published never will be: no worker even starts on the job. One an API replica's
            // dispatcher has claimed is being published now (PostgreSQL): skipped, not waited for; the cancellation
            // reaches the worker that takes it. (One claimed after this read is waited for at the delete, which then finds
            // it gone, a concurrent change decided again, or removes it.)
            var unsentMessages = services.Db.Database.IsNpgsql()
                ? OutboxClaims.OfJob(services.Db, job.Id, QueueNames.VideoJobs)
                : services.Db.Outbox.Where(m => m.JobId == job.Id && m.Queue == QueueNames.VideoJobs);
            foreach (var unsent in await unsentMessages.ToListAsync(cancellationToken))
            {
                services.Db.Outbox.Remove(unsent);
            }
        }

        try
        {
            await services.Db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException) when (round < MaxConcurrencyRounds)
        {
            services.Db.ChangeTracker.Clear();
            return false;
        }

        if (canceled == CancelOutcome.CanceledWithWorkers)
        {
            services.Outbox.Notify();
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} canceled by its owner (it was {Status})")]
    private static partial void LogCanceled(ILogger logger, string jobId, JobStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} queued again by its owner (run {Run})")]
    private static partial void LogRetried(ILogger logger, string jobId, int run);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} deleted by its owner")]
    private static partial void LogDeleted(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} deleted; its files could not be removed now and are left to the retention sweeper")]
    private static partial void LogFilesLeftToSweeper(ILogger logger, Exception exception, string jobId);
}
