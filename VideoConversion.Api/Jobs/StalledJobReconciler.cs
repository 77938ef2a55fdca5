using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// No job stays PROCESSING for ever. A job whose worker has not reported for the stall limit
/// (its reports lost or unreadable, its worker gone while the broker kept the message) is looked
/// at: if its checked output is stored, it becomes DONE; otherwise it goes back to the queue as a
/// new attempt, and once the attempts are spent it fails with the reason. With several API replicas,
/// only the one holding the reconciler's lease does this.
/// </summary>
public sealed partial class StalledJobReconciler(
    IServiceScopeFactory scopes,
    VideoStorage storage,
    JobReportWriter writer,
    OutboxSignal outbox,
    JobMetrics metrics,
    ReplicaLeases leases,
    TimeProvider time,
    IOptions<JobOptions> options,
    IOptions<UploadOptions> uploads,
    ILogger<StalledJobReconciler> logger) : BackgroundService
{
    private const int BatchSize = 50;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        leases.RunWhileHeldAsync(ReplicaDuties.StalledJobReconciler, ReconcileRoundsAsync, stoppingToken);

    /// <param name="cancellationToken">Cancelled at a stop, or when this replica loses the reconciler's lease.</param>
    private async Task ReconcileRoundsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReconcileInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await ReconcileAsync(cancellationToken);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                LogReconcileFailed(logger, exception); // storage or the database; the next round tries again
            }
        }
    }

    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        List<string> stalled;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var cutoff = time.GetUtcNow() - options.Value.StallLimit;
            stalled = await scope.ServiceProvider.GetRequiredService<JobsDbContext>().Jobs.AsNoTracking()
                .Where(job => job.Status == JobStatus.Processing && job.UpdatedAt < cutoff)
                .OrderBy(job => job.UpdatedAt).Select(job => job.Id).Take(BatchSize)
                .ToListAsync(cancellationToken);
        }

        foreach (var jobId in stalled)
        {
            await ReconcileAsync(jobId, cancellationToken);
        }
    }

    private async Task ReconcileAsync(string jobId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var job = await db.Jobs.FindAsync([jobId], cancellationToken);
        var now = time.GetUtcNow();
        if (job is null || !job.IsStalled(now, options.Value.StallLimit))
        {
            return; // a report arrived in the meantime
        }

        using var jobContext = JobContext.Enter(logger, job.Id, job.Attempts);
        if (await FinishedOutputsAsync(job, now, cancellationToken) is { } done)
        {
            // The worker stored its checked outputs, and its DONE report never arrived.
            var (result, _) = await writer.ApplyAsync(done, cancellationToken);
            Count(result, "done", job.Id);
            return;
        }

        var decision = RetryPolicy.Decide(FailureCause.WorkerStopped, Math.Max(job.Attempts, 1));
        if (decision.Action != RetryAction.Retry)
        {
            // Every attempt ended without an outcome: set aside, and counted as a dead letter.
            var (result, _) = await writer.ApplyAsync(new JobReport(job.Id, JobReportKind.Failed, 0, now,
                Error: decision.Message, Attempt: job.Attempts, SetAside: true, Cause: decision.Cause, Run: job.Runs), cancellationToken);
            Count(result, "failed", job.Id);
            return;
        }

        // The requeue and its message commit together, as a submission's do.
        job.Requeue(now);
        db.Outbox.Add(JobQueueing.Message(job, job.OutputFormat, now, job.TraceParent, uploads.Value.MaxFileBytes));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return; // a report won the race: the job is not stalled after all
        }

        outbox.Notify();
        Count(ReportResult.Applied, "requeued", job.Id);
    }

    /// <summary>
    /// The DONE report a worker would have sent, when its outputs are stored: the MP4 alone by itself, anything more by
    /// its manifest (stored last), so a worker that died half-way through storing a stream is not taken for done.
    /// </summary>
    private async Task<JobReport?> FinishedOutputsAsync(Job job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (job.OutputList.SequenceEqual(OutputKinds.Default))
        {
            return await storage.GetCheckedOutputAsync(job.Id, cancellationToken) is { } output
                ? new JobReport(job.Id, JobReportKind.Done, 100, now, OutputBytes: output.Bytes, Attempt: job.Attempts, ConversionMethod: output.Method, Run: job.Runs)
                : null;
        }

        return await storage.GetOutputManifestAsync(job.Id, job.Runs, cancellationToken) is { } manifest
            ? new JobReport(job.Id, JobReportKind.Done, 100, now, OutputBytes: manifest.Outputs.TotalBytes, Attempt: job.Attempts,
                ConversionMethod: manifest.Method, Run: job.Runs, DurationSeconds: manifest.DurationSeconds, Outputs: manifest.Outputs)
            : null;
    }

    private void Count(ReportResult result, string action, string jobId)
    {
        if (result == ReportResult.Applied)
        {
            metrics.Reconciled(action);
            LogReconciled(logger, jobId, action, options.Value.StallLimit.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: no report for {Seconds} s; reconciled: {Action}")]
    private static partial void LogReconciled(ILogger logger, string jobId, string action, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling stalled jobs failed; trying again next round")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}
