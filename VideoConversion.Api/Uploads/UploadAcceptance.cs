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
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Uploads;

public enum UploadOutcome
{
    /// <summary>PENDING, with its message in the outbox, committed together.</summary>
    Submitted,

    /// <summary>The upload may not be kept: it is removed, and a job that was to start on upload is FAILED with the reason.</summary>
    Refused,

    /// <summary>Another writer changed the job since it was read: read it again and decide again.</summary>
    Conflict,

    /// <summary>Storage holds no upload of the job (any more).</summary>
    NotUploaded,
}

/// <param name="Problem">Why it was refused (<see cref="UploadOutcome.Refused"/> only).</param>
public sealed record UploadDecision(UploadOutcome Outcome, ProblemHttpResult? Problem = null);

/// <summary>
/// Decides on a job's stored upload the same way whoever learned of it: storage's event, POST /jobs, or the sweeper
/// finding an upload whose event never came. An upload that fits is submitted (the job PENDING and its message in the
/// outbox, in one transaction); one that may not be kept is removed.
/// </summary>
public sealed partial class UploadAcceptance(
    VideoStorage storage, IOptions<UploadOptions> uploads, IOptions<QuotaOptions> quotas, OutboxSignal outbox, JobMetrics metrics,
    TimeProvider time, ILogger<UploadAcceptance> logger)
{
    /// <param name="upload">
    /// What storage said it holds: an event, a record of one, or a stat. An upload about to be refused is asked of storage
    /// again first: an event or record may be of an upload replaced since, and a good file is never removed for a bad one's sake.
    /// </param>
    /// <param name="withSubmission">Anything to commit with the submission (a webhook endpoint given at POST /jobs); called only when it is submitted.</param>
    public async Task<UploadDecision> SubmitAsync(
        JobsDbContext db, Job job, StoredUpload upload, Action? withSubmission, CancellationToken cancellationToken, bool isFresh = false)
    {
        if (Refusal(job, upload) is { } refusal)
        {
            return await ConfirmRefusalAsync(db, job, upload, refusal, withSubmission, isFresh, cancellationToken);
        }

        // An upload that declared no size counts against the storage quota now that its size is known: the check and
        // the submission commit as one step under the write gate, as at /upload/request.
        using var quotaGate = job.DeclaredBytes is null && job.OwnerId is not null
            ? await db.WriteGate.EnterAsync(cancellationToken)
            : null;
        if (quotaGate is not null)
        {
            var usage = await AccountUsage.OfAsync(db, job.OwnerId!, cancellationToken);
            if (usage.StoredBytes + upload.Size > quotas.Value.MaxStoredBytes)
            {
                quotaGate.Dispose(); // the other writers do not wait on storage
                return await ConfirmRefusalAsync(
                    db, job, upload, QuotaProblems.StorageQuotaExceeded(usage.StoredBytes, upload.Size, quotas.Value.MaxStoredBytes),
                    withSubmission, isFresh, cancellationToken);
            }
        }

        var now = time.GetUtcNow();
        if (job.Submit(upload.Size, upload.ETag, now) != SubmitOutcome.Submitted)
        {
            return new UploadDecision(UploadOutcome.Conflict); // it moved on since it was read: the caller reads it again
        }

        // The submission, and the message that goes on from it, are in the job's trace (that of its upload request).
        using var submission = JobTrace.ContinueForSubmission(job);
        db.Outbox.Add(JobQueueing.Message(job, job.OutputFormat, now, JobTrace.Current(), uploads.Value.MaxFileBytes));

        withSubmission?.Invoke();
        try
        {
            // The status change and its message commit together (transactional outbox).
            _ = quotaGate is null
                ? await db.SaveChangesAsync(cancellationToken)
                : await db.SaveChangesHoldingGateAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new UploadDecision(UploadOutcome.Conflict);
        }

        outbox.Notify();
        metrics.Submitted();
        LogSubmitted(logger, job.Id, upload.Size);
        return new UploadDecision(UploadOutcome.Submitted);
    }

    /// <summary>
    /// Before an upload is refused (and removed), storage is asked what it holds, unless that is what <paramref name="upload"/>
    /// says already: an event or a record of one may be of an upload replaced since, and that one is decided on instead.
    /// </summary>
    private async Task<UploadDecision> ConfirmRefusalAsync(
        JobsDbContext db, Job job, StoredUpload upload, ProblemHttpResult refusal, Action? withSubmission, bool isFresh, CancellationToken cancellationToken)
    {
        if (isFresh)
        {
            return await RefuseAsync(db, job, refusal, cancellationToken);
        }

        var stored = await storage.GetUploadAsync(job.InputKey, cancellationToken);
        return stored is null ? new UploadDecision(UploadOutcome.NotUploaded)
            : stored == upload ? await RefuseAsync(db, job, refusal, cancellationToken)
            : await SubmitAsync(db, job, stored, withSubmission, cancellationToken, isFresh: true);
    }

    /// <summary>
    /// A URL signed for a declared size admits no other; one signed without a size admits any, so the stored size is
    /// checked here. Neither kind of misfit is kept.
    /// </summary>
    private ProblemHttpResult? Refusal(Job job, StoredUpload upload) =>
        job.DeclaredBytes is { } declared && upload.Size != declared ? JobProblems.SizeMismatch(job.Id, declared, upload.Size)
        : upload.Size > uploads.Value.MaxFileBytes ? JobProblems.UploadTooLarge(upload.Size, uploads.Value.MaxFileBytes)
        : null;

    private async Task<UploadDecision> RefuseAsync(JobsDbContext db, Job job, ProblemHttpResult problem, CancellationToken cancellationToken)
    {
        // A job that was to start by itself ends with the reason, whoever saw the upload first; one waiting for POST /jobs
        // stays as it was, and its URL may be used again for the right file.
        if (job.StartOnUpload && job.RefuseUpload(problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title ?? "The upload was refused.", time.GetUtcNow()))
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                return new UploadDecision(UploadOutcome.Conflict);
            }
        }

        // After the job's change: a removal that fails now is repeated by retention, which removes a finished job's input.
        await storage.DeleteInputAsync(job.InputKey, cancellationToken);
        LogRefused(logger, job.Id, problem.ProblemDetails.Title);
        return new UploadDecision(UploadOutcome.Refused, problem);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} submitted ({InputBytes} bytes uploaded); queued through the outbox")]
    private static partial void LogSubmitted(ILogger logger, string jobId, long inputBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its upload was refused ({Reason}) and removed")]
    private static partial void LogRefused(ILogger logger, string jobId, string? reason);
}
