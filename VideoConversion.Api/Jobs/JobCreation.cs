using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using VideoConversion.Api.Data;
using VideoConversion.Api.Quotas;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// A new job's row, written in the database writer's batch if its account's quotas have room for it (POST /upload/request):
/// one more active job, and its declared size, if it declared one. The check and the row are one step of the batch, so
/// requests arriving together cannot all pass a quota that has room for one of them.
/// </summary>
public static class JobCreation
{
    private static readonly ConditionalWeakTable<IModel, Statements> ByModel = [];

    /// <summary>Writes <paramref name="job"/>'s row (untracked by <paramref name="db"/>); or, writing nothing, says which quota it would pass.</summary>
    /// <returns>Null when the row was written; else the refusal.</returns>
    public static async Task<ProblemHttpResult?> WriteAsync(JobsDbContext db, Job job, QuotaOptions quotas, CancellationToken cancellationToken)
    {
        var ownerId = job.OwnerId ?? throw new ArgumentException($"Job {job.Id} has no account whose quotas it counts against.", nameof(job));
        // PostgreSQL: the account's lock, the check and the row in one round trip (QuotaCheckSql). Refused there, the totals
        // are read below, which also says why. SQLite, in process, has no round trip to save.
        if (db.Database.IsNpgsql() && await TryWriteWithinQuotasAsync(db, job, new QuotaCheck(ownerId, AddsActiveJob: true, job.DeclaredBytes, quotas), cancellationToken))
        {
            return null;
        }

        var usage = await AccountUsage.LockAndReadAsync(db, ownerId, cancellationToken);
        if (usage.ActiveJobs >= quotas.MaxActiveJobs)
        {
            return QuotaProblems.TooManyActiveJobs(usage.ActiveJobs, quotas.MaxActiveJobs);
        }

        if (job.DeclaredBytes is { } declared && usage.StoredBytes + declared > quotas.MaxStoredBytes)
        {
            return QuotaProblems.StorageQuotaExceeded(usage.StoredBytes, declared, quotas.MaxStoredBytes);
        }

        // By a statement of the writer's own (WriterCommands says why), untracked: nothing else of the write saves it again.
        await RowInsert.WriteAsync(db, job, cancellationToken);
        return null;
    }

    private static async Task<bool> TryWriteWithinQuotasAsync(JobsDbContext db, Job job, QuotaCheck check, CancellationToken cancellationToken)
    {
        var transaction = WriterCommands.TransactionOf(db);
        RowInsert.RefuseTracked(db, job);
        var statements = ByModel.GetValue(db.Model, _ => Statements.For(db));
        var insert = check.AddedBytes is null ? statements.WithoutDeclaredSize : statements.WithDeclaredSize;
        var command = WriterCommands.Bind(WriterCommands.For(db, transaction, insert.Sql), insert.Properties, insert.Names, job);
        QuotaCheckSql.Bind(command, db, check);
        return await QuotaCheckSql.WroteAsync(command, cancellationToken);
    }

    /// <summary>
    /// The lock and the job's INSERT selected from the account's room (<c>INSERT INTO jobs (…) SELECT @p0, … FROM (totals)
    /// WHERE room RETURNING 1</c>), for a job that declared its size and one that did not, for one model (PostgreSQL's).
    /// </summary>
    private sealed record Statements(RowInsert.SelectedInsert WithDeclaredSize, RowInsert.SelectedInsert WithoutDeclaredSize)
    {
        public static Statements For(JobsDbContext db) => new(Within(db, addsBytes: true), Within(db, addsBytes: false));

        // The job's parameters are "p0" onwards, apart from the check's ("quota_…").
        private static RowInsert.SelectedInsert Within(JobsDbContext db, bool addsBytes)
        {
            var insert = RowInsert.SelectedFrom(db, typeof(Job), QuotaCheckSql.Room(db, addsActiveJob: true, addsBytes), "p");
            return insert with { Sql = $"{QuotaCheckSql.Lock}; {insert.Sql} RETURNING 1" };
        }
    }
}
