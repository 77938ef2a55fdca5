using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.Api.Messaging;

public enum ReportResult
{
    Applied,

    /// <summary>The job's state machine refused it: a late or repeated report.</summary>
    Stale,

    UnknownJob,
}

/// <summary>
/// Applies one report to its job record through the job's state machine, re-reading and
/// re-deciding when another writer changed the job in between.
/// </summary>
public sealed class JobReportWriter(IServiceScopeFactory scopes, JobMetrics metrics, OutboxSignal outbox, TimeProvider time)
{
    private const int MaxConcurrencyRetries = 3;

    public async Task<(ReportResult Result, Jobs.Job? Job)> ApplyAsync(JobReport report, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
            var job = await db.Jobs.FindAsync([report.JobId], cancellationToken);
            if (job is null)
            {
                return (ReportResult.UnknownJob, null);
            }

            var (wasStarted, previousAttempts) = (job.StartedAt is not null, job.Attempts);
            if (!job.Apply(report, time.GetUtcNow()))
            {
                // Working on a run its owner canceled, or one a retry has replaced: that worker must stop.
                if (report.Kind == JobReportKind.Processing &&
                    ((job.Status == Jobs.JobStatus.Canceled && report.Run == job.Runs) || report.Run < job.Runs))
                {
                    await CancelAgainAsync(db, job, report.Run, cancellationToken);
                }

                return (ReportResult.Stale, job);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                // After the save: a change that lost a race is re-decided, and must not count twice.
                metrics.ReportApplied(job, report, wasStarted, previousAttempts);
                return (ReportResult.Applied, job);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxConcurrencyRetries)
            {
                // Someone changed the job since it was read: read it again and re-decide.
            }
        }
    }

    /// <summary>
    /// A worker works on a job its owner canceled: it did not hear the cancellation (it started after it,
    /// or it was cut off), so it is told again; it is listening now.
    /// </summary>
    private async Task CancelAgainAsync(JobsDbContext db, Jobs.Job job, int run, CancellationToken cancellationToken)
    {
        // Once while one is on its way: the worker reports every second until it hears it.
        if (await db.Outbox.AnyAsync(message => message.JobId == job.Id && message.Queue == QueueNames.JobCancellations, cancellationToken))
        {
            return;
        }

        db.Outbox.Add(JobQueueing.Cancellation(job, run, time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        outbox.Notify();
    }
}
