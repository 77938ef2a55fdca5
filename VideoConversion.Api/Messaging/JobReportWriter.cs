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
/// Applies one report to its job record through the job's state machine, as one write of the database writer's batch:
/// the job is read and changed in the batch, so no other write of it comes in between.
/// </summary>
public sealed class JobReportWriter(DatabaseWriter writer, JobMetrics metrics, OutboxSignal outbox, TimeProvider time)
{
    public async Task<(ReportResult Result, Jobs.Job? Job)> ApplyAsync(JobReport report, CancellationToken cancellationToken)
    {
        var (result, job, wasStarted, previousAttempts, toldAgain) = await writer.WriteAsync(async (db, cancellation) =>
        {
            var job = await Jobs.JobLookup.ForChangeAsync(db, report.JobId, cancellation);
            if (job is null)
            {
                return (ReportResult.UnknownJob, (Jobs.Job?)null, false, 0, false);
            }

            var (wasStarted, previousAttempts) = (job.StartedAt is not null, job.Attempts);
            if (!job.Apply(report, time.GetUtcNow()))
            {
                // Working on a run its owner canceled, or one a retry has replaced: that worker must stop.
                var toldAgain = report.Kind == JobReportKind.Processing &&
                    ((job.Status == Jobs.JobStatus.Canceled && report.Run == job.Runs) || report.Run < job.Runs) &&
                    await CancelAgainAsync(db, job, report.Run, cancellation);
                return (ReportResult.Stale, job, wasStarted, previousAttempts, toldAgain);
            }

            await db.SaveChangesAsync(cancellation);
            return (ReportResult.Applied, job, wasStarted, previousAttempts, false);
        }, cancellationToken);

        // After the commit: counted once, for a change that happened.
        if (result == ReportResult.Applied)
        {
            metrics.ReportApplied(job!, report, wasStarted, previousAttempts);
        }

        if (toldAgain)
        {
            outbox.Notify();
        }

        return (result, job);
    }

    /// <summary>
    /// A worker works on a job its owner canceled: it did not hear the cancellation (it started after it,
    /// or it was cut off), so it is told again; it is listening now.
    /// </summary>
    private async Task<bool> CancelAgainAsync(JobsDbContext db, Jobs.Job job, int run, CancellationToken cancellationToken)
    {
        // Once while one is on its way: the worker reports every second until it hears it.
        if (await db.Outbox.AnyAsync(message => message.JobId == job.Id && message.Queue == QueueNames.JobCancellations, cancellationToken))
        {
            return false;
        }

        db.Outbox.Add(JobQueueing.Cancellation(job, run, time.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
