using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Api;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.Uploads;

public enum UploadOutcome
{
    /// <summary>PENDING, with its message in the outbox, committed together.</summary>
    Submitted,

    /// <summary>The upload may not be kept: it is removed, and a job that was to start on upload is FAILED with the reason.</summary>
    Refused,

    /// <summary>The job is no longer awaiting its upload (submitted, canceled, expired meanwhile): nothing was done.</summary>
    Moved,

    /// <summary>Storage holds no upload of the job (any more).</summary>
    NotUploaded,
}

/// <param name="Job">The job as the decision left it.</param>
/// <param name="Problem">Why it was refused (<see cref="UploadOutcome.Refused"/> only).</param>
/// <param name="WebhookSecret">The secret of the endpoint committed with the submission, if one was.</param>
public sealed record UploadDecision(UploadOutcome Outcome, Job? Job, ProblemHttpResult? Problem = null, string? WebhookSecret = null);

/// <summary>
/// Decides on a job's stored upload the same way whoever learned of it: storage's event, POST /jobs, or the sweeper
/// finding an upload whose event never came. An upload that fits is submitted (the job PENDING and its message in the
/// outbox, in one write of the database writer's batch); one that may not be kept is removed.
/// </summary>
public sealed partial class UploadAcceptance(
    DatabaseWriter writer, VideoStorage storage, IOptions<UploadOptions> uploads, IOptions<QuotaOptions> quotas, OutboxSignal outbox,
    JobMetrics metrics, TimeProvider time, ILogger<UploadAcceptance> logger)
{
    /// <param name="upload">
    /// What storage said it holds: an event, a record of one, or a stat (<paramref name="isFresh"/>). An upload about to be
    /// refused is asked of storage again first unless fresh: an event or record may be of an upload replaced since, and a
    /// good file is never removed for a bad one's sake.
    /// </param>
    /// <param name="traceParent">The trace the job's message goes on in (the job's own).</param>
    /// <param name="withSubmission">Anything to commit with the submission (a webhook endpoint given at POST /jobs): returns its secret.</param>
    /// <param name="outputs">What to make, when POST /jobs chose it: recorded with the submission, and in its message.</param>
    /// <param name="read">
    /// The job as the caller read it just before (not tracked), which the write starts from instead of reading the job
    /// again in the writer's lane. Should it have changed since, its version no longer matches when the submission is
    /// written, nothing is written, and the write decides again, in the same run, on the job as it is then. A refusal is
    /// decided on it as it is (on what no change alters: the sizes, and the account's current totals), and
    /// <see cref="RefuseAsync"/> reads the job again before acting; but a storage quota checked by the submission's own
    /// statement (PostgreSQL), which writes nothing either way, is decided on the job read again. The submission is made
    /// on it (it is the answer's job when nothing changed meanwhile).
    /// </param>
    public async Task<UploadDecision> SubmitAsync(
        string jobId, StoredUpload upload, bool isFresh, string? traceParent, Func<JobsDbContext, Job, string?>? withSubmission,
        CancellationToken cancellationToken, IReadOnlyList<string>? outputs = null, Job? read = null)
    {
        if (read is not null && read.Id != jobId)
        {
            throw new ArgumentException($"The job read is {read.Id}, not {jobId}.", nameof(read));
        }

        // The job's account is known from the caller's read: the write then commits with the account's others (PostgreSQL).
        var locks = read?.OwnerId is { } owner ? new WriteLocks(owner, jobId) : null;

        var submission = new SubmissionWrite(this, jobId, upload, traceParent, withSubmission, outputs, read);
        var (outcome, job, refusal, secret) = await writer.WriteAsync(locks, submission.StatementAhead, submission.RunAsync, cancellationToken);

        if (outcome == UploadOutcome.Submitted)
        {
            Submitted(job!);
        }

        return outcome is { } decided
            ? new UploadDecision(decided, job, WebhookSecret: secret)
            : await RefuseAsync(job!, upload, refusal!, isFresh, traceParent, cancellationToken, withSubmission, outputs);
    }

    /// <summary>
    /// Inside a command of the database writer, on a job read in the same batch and awaiting its upload: the job submitted
    /// and its message added to the outbox (saved by the caller, with whatever else it commits), or why its upload may not
    /// be kept (nothing changed).
    /// </summary>
    public async Task<ProblemHttpResult?> SubmitInBatchAsync(
        JobsDbContext db, Job job, StoredUpload upload, string? traceParent, CancellationToken cancellationToken)
    {
        var (refusal, message, _) = await SubmitJobAsync(db, job, upload, traceParent, quotaInStatement: false, cancellationToken);
        if (message is not null)
        {
            db.Outbox.Add(message);
        }

        return refusal;
    }

    /// <summary>The job submitted, and the message that queues it (for the caller to save); or why its upload may not be kept.</summary>
    /// <param name="quotaInStatement">
    /// The account's storage quota is left to the submission's statement (<see cref="SubmissionStatements"/>, PostgreSQL):
    /// returned as the check it must make, instead of checked here.
    /// </param>
    private async Task<(ProblemHttpResult? Refusal, OutboxMessage? Message, QuotaCheck? Quota)> SubmitJobAsync(
        JobsDbContext db, Job job, StoredUpload upload, string? traceParent, bool quotaInStatement, CancellationToken cancellationToken)
    {
        if (quotaInStatement)
        {
            return SubmitWithQuotaInStatement(job, upload, traceParent);
        }

        if (RefusalOf(job, upload) is { } refusal)
        {
            return (refusal, null, null);
        }

        if (job.DeclaredBytes is null && job.OwnerId is not null)
        {
            // An upload that declared no size counts against the storage quota now that its size is known; the check and the
            // submission are one step of the batch, so submissions together cannot pass a quota together.
            var usage = await AccountUsage.LockAndReadAsync(db, job.OwnerId, cancellationToken);
            if (usage.StoredBytes + upload.Size > quotas.Value.MaxStoredBytes)
            {
                return (QuotaProblems.StorageQuotaExceeded(usage.StoredBytes, upload.Size, quotas.Value.MaxStoredBytes), null, null);
            }
        }

        return (null, Submission(job, upload, traceParent), null);
    }

    /// <summary>
    /// As <see cref="SubmitJobAsync"/> with the storage quota left to the submission's statement (PostgreSQL), so with no
    /// read of the database: the job submitted, its message, and the check the statement must make; or why its upload may
    /// not be kept.
    /// </summary>
    private (ProblemHttpResult? Refusal, OutboxMessage? Message, QuotaCheck? Quota) SubmitWithQuotaInStatement(Job job, StoredUpload upload, string? traceParent)
    {
        if (RefusalOf(job, upload) is { } refusal)
        {
            return (refusal, null, null);
        }

        // An upload that declared no size counts against the storage quota now that its size is known (a declared size
        // was counted at its request): the statement checks it.
        var quota = job.DeclaredBytes is null && job.OwnerId is not null ? new QuotaCheck(job.OwnerId, AddsActiveJob: false, upload.Size, quotas.Value) : null;
        return (null, Submission(job, upload, traceParent), quota);
    }

    /// <summary>Why the upload may not be kept whatever the account holds: not the size its URL was signed for, or too large.</summary>
    private ProblemHttpResult? RefusalOf(Job job, StoredUpload upload)
    {
        // A URL signed for a declared size admits no other; one signed without a size admits any, so the stored size is
        // checked here. Neither kind of misfit is kept.
        if (job.DeclaredBytes is { } declared && upload.Size != declared)
        {
            return JobProblems.SizeMismatch(job.Id, declared, upload.Size);
        }

        return upload.Size > uploads.Value.MaxFileBytes ? JobProblems.UploadTooLarge(upload.Size, uploads.Value.MaxFileBytes) : null;
    }

    private DateTimeOffset Now() => time.GetUtcNow();

    /// <summary>The job submitted (changed in memory), and the message that queues it.</summary>
    private OutboxMessage Submission(Job job, StoredUpload upload, string? traceParent)
    {
        var now = time.GetUtcNow();
        if (job.Submit(upload.Size, upload.ETag, now) != SubmitOutcome.Submitted)
        {
            throw new InvalidOperationException($"Job {job.Id} is {job.Status}, not awaiting its upload: it cannot be submitted.");
        }

        return JobQueueing.Message(job, job.OutputFormat, now, traceParent, uploads.Value.MaxFileBytes);
    }

    /// <summary>After the batch holding a submission committed: the outbox dispatcher is woken, and the submission counted.</summary>
    public void Submitted(Job job)
    {
        outbox.Notify();
        metrics.Submitted();
        LogSubmitted(logger, job.Id, job.InputBytes ?? 0);
    }

    /// <summary>
    /// An upload that may not be kept. Unless <paramref name="isFresh"/>, storage is asked what it holds first, and a newer
    /// upload found there is decided on instead. A job that was to start by itself ends with the reason, whoever saw the
    /// upload first; one waiting for POST /jobs stays as it was, and its URL may be used again for the right file.
    /// </summary>
    /// <param name="withSubmission">As <see cref="SubmitAsync"/>'s: committed with a newer upload's submission.</param>
    /// <param name="outputs">As <see cref="SubmitAsync"/>'s: recorded with a newer upload's submission.</param>
    public async Task<UploadDecision> RefuseAsync(
        Job job, StoredUpload upload, ProblemHttpResult refusal, bool isFresh, string? traceParent, CancellationToken cancellationToken,
        Func<JobsDbContext, Job, string?>? withSubmission = null, IReadOnlyList<string>? outputs = null)
    {
        if (!isFresh)
        {
            var stored = await storage.GetUploadAsync(job.InputKey, cancellationToken);
            if (stored is null)
            {
                return new UploadDecision(UploadOutcome.NotUploaded, job);
            }

            if (stored != upload)
            {
                return await SubmitAsync(job.Id, stored, isFresh: true, traceParent, withSubmission, cancellationToken, outputs);
            }
        }

        var reason = refusal.ProblemDetails.Detail ?? refusal.ProblemDetails.Title ?? "The upload was refused.";
        var (stillApplies, current) = await writer.WriteAsync(async (db, cancellation) =>
        {
            var current = await JobLookup.ForChangeAsync(db, job.Id, cancellation);
            if (current is not { Status: JobStatus.AwaitingUpload, DeletedAt: null })
            {
                return (false, current); // submitted by a newer upload's event meanwhile, canceled, deleted: not this call's to refuse
            }

            if (current.StartOnUpload && current.RefuseUpload(reason, time.GetUtcNow()))
            {
                await db.SaveChangesAsync(cancellation);
            }

            return (true, current);
        }, cancellationToken);
        if (!stillApplies)
        {
            return new UploadDecision(UploadOutcome.Moved, current);
        }

        // After the job's change: a removal that fails now is repeated by retention, which removes a finished job's input.
        await storage.DeleteInputAsync(job.InputKey, cancellationToken);
        LogRefused(logger, job.Id, refusal.ProblemDetails.Title);
        return new UploadDecision(UploadOutcome.Refused, current, refusal);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} submitted ({InputBytes} bytes uploaded); queued through the outbox")]
    private static partial void LogSubmitted(ILogger logger, string jobId, long inputBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its upload was refused ({Reason}) and removed")]
    private static partial void LogRefused(ILogger logger, string jobId, string? reason);
}
