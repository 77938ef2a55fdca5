using System.Data.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Storage;

namespace VideoConversion.Api.Uploads;

public sealed partial class UploadAcceptance
{
    /// <summary>
    /// One submission's write in the database writer (<see cref="SubmitAsync"/>): the job submitted and its message written,
    /// or why its upload may not be kept, or that the job moved on.
    /// </summary>
    /// <remarks>
    /// On PostgreSQL, in a group of its account's writes, the submission is made on the caller's read before the group runs,
    /// and its statement goes ahead with the group's locks (<see cref="DatabaseWriter"/>); <see cref="RunAsync"/> then only
    /// finishes it, or decides again when the statement wrote nothing. Made on the read, the read is used up: the job in
    /// memory is submitted whether or not the statement's group commits, so any later run (the group undone, the write
    /// alone) reads the job again rather than trust it.
    /// </remarks>
    /// <param name="read">As <see cref="SubmitAsync"/>'s: the caller's read, used by the first run only.</param>
    private sealed class SubmissionWrite(
        UploadAcceptance acceptance, string jobId, StoredUpload upload, string? traceParent, Func<JobsDbContext, Job, string?>? withSubmission,
        IReadOnlyList<string>? outputs, Job? read)
    {
        private Job? _read = read;

        /// <summary>The job submitted in memory for the statement sent ahead in this run, and the quota check that statement made.</summary>
        private (Job Job, QuotaCheck? Quota)? _submittedAhead;

        /// <summary>The submission's statement, made on the caller's read (PostgreSQL); null when there is none to make on it.</summary>
        public DbCommand? StatementAhead(JobsDbContext db)
        {
            _submittedAhead = null;
            if (_read is not { Status: JobStatus.AwaitingUpload, DeletedAt: null } job || !db.Database.IsNpgsql())
            {
                return null; // moved on: the write itself says so
            }

            var readVersion = job.Version;
            if (outputs is not null)
            {
                job.ChooseOutputs(outputs, acceptance.Now());
            }

            if (acceptance.SubmitWithQuotaInStatement(job, upload, traceParent) is not (_, { } message, var quota))
            {
                return null; // refused: decided by the write itself, on the read as it is
            }

            _read = null;
            _submittedAhead = (job, quota);
            return SubmissionStatements.StatementAhead(db, job, readVersion, message, quota);
        }

        /// <param name="wroteAhead">Whether <see cref="StatementAhead"/>'s statement, sent in this run, wrote the submission; null when none was sent.</param>
        public async Task<(UploadOutcome? Outcome, Job? Job, ProblemHttpResult? Refusal, string? WebhookSecret)> RunAsync(
            JobsDbContext db, bool? wroteAhead, CancellationToken cancellation)
        {
            // PostgreSQL: a storage quota to check goes in the submission's statement (QuotaCheckSql), until that writes nothing.
            var quotaInStatement = db.Database.IsNpgsql();
            bool fromRead;
            Job? job;
            if (_submittedAhead is { } ahead && wroteAhead is { } wrote)
            {
                _submittedAhead = null;
                if (wrote)
                {
                    return await SubmittedAsync(db, ahead.Job, cancellation);
                }

                // Nothing written: the job changed since the caller read it, or the account had no room for the upload.
                // Decided again on the job as it is now, the quota checked apart should it have been the statement's. (After
                // the statements of the writes queued with it, which may have taken the room meanwhile: they came together.)
                quotaInStatement &= ahead.Quota is null;
                fromRead = false;
                job = await JobLookup.ForStatementAsync(db, jobId, cancellation);
            }
            else
            {
                // The caller's read on the first run only: a run after a conflict (the writer's) reads what is there now.
                _submittedAhead = null;
                fromRead = _read is not null;
                job = _read ?? await JobLookup.ForStatementAsync(db, jobId, cancellation);
                _read = null;
            }

            while (true)
            {
                if (job is not { Status: JobStatus.AwaitingUpload, DeletedAt: null })
                {
                    return (UploadOutcome.Moved, job, null, null);
                }

                var readVersion = job.Version;
                if (outputs is not null)
                {
                    job.ChooseOutputs(outputs, acceptance.Now());
                }

                var (refusal, message, quota) = await acceptance.SubmitJobAsync(db, job, upload, traceParent, quotaInStatement, cancellation);
                if (message is null)
                {
                    return (null, job, refusal, null);
                }

                // The job and its message by statements of their own, the hot path's; what withSubmission adds, by EF.
                if (await SubmissionStatements.TryWriteAsync(db, job, readVersion, message, quota, cancellation))
                {
                    return await SubmittedAsync(db, job, cancellation);
                }

                if (quota is not null)
                {
                    // Nothing written: the account had no room for the upload, or the job changed since it was read. Decided
                    // again on the job as it is now, the quota checked apart, which says why should it be the quota.
                    quotaInStatement = false;
                    fromRead = false;
                    job = await JobLookup.ForStatementAsync(db, jobId, cancellation);
                    continue;
                }

                if (!fromRead)
                {
                    // Changed since this very run read it (another lane's or replica's write, on PostgreSQL): the writer runs it again.
                    throw new DbUpdateConcurrencyException($"Job {jobId} changed while its submission was written; nothing was written.");
                }

                // The caller's read was stale (its upload recorded meanwhile, a cancel): nothing was written; decided again
                // on the job as it is now, without spending one of the writer's runs for conflicts.
                fromRead = false;
                job = await JobLookup.ForStatementAsync(db, jobId, cancellation);
            }
        }

        /// <summary>The submission written: what withSubmission adds, by EF, in the same write.</summary>
        private async Task<(UploadOutcome?, Job?, ProblemHttpResult?, string?)> SubmittedAsync(JobsDbContext db, Job job, CancellationToken cancellation)
        {
            string? secret = null;
            if (withSubmission is not null)
            {
                secret = withSubmission(db, job);
                await db.SaveChangesAsync(cancellation);
            }

            return (UploadOutcome.Submitted, job, null, secret);
        }
    }
}
