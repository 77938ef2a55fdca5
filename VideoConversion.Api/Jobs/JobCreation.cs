using System.Data.Common;
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
    /// <param name="wroteAhead">
    /// What became of <see cref="StatementAhead"/>'s statement, sent ahead in this run of the writer's group: true, the row
    /// is written; false, the account had no room, and the totals are read to say why; null, none was sent.
    /// </param>
    /// <returns>Null when the row was written; else the refusal.</returns>
    public static async Task<ProblemHttpResult?> WriteAsync(
        JobsDbContext db, Job job, QuotaOptions quotas, CancellationToken cancellationToken, bool? wroteAhead = null)
    {
        var ownerId = job.OwnerId ?? throw new ArgumentException($"Job {job.Id} has no account whose quotas it counts against.", nameof(job));
        if (wroteAhead == true)
        {
            return null;
        }

        // PostgreSQL: the account's lock, the check and the row in one round trip (QuotaCheckSql). Refused there, the totals
        // are read below, which also says why. SQLite, in process, has no round trip to save.
        if (wroteAhead is null && db.Database.IsNpgsql())
        {
            var command = Command(db, job, quotas, withLock: true);
            if (await QuotaCheckSql.WroteAsync(command, cancellationToken))
            {
                return null;
            }
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

    /// <summary>
    /// PostgreSQL: the job's row, if its account has room for it, as one statement to send ahead with its group's locks
    /// (<see cref="DatabaseWriter"/>), which hold the account's lock already; null elsewhere.
    /// </summary>
    public static DbCommand? StatementAhead(JobsDbContext db, Job job, QuotaOptions quotas) =>
        db.Database.IsNpgsql() ? Command(db, job, quotas, withLock: false) : null;

    /// <summary>The INSERT selected from the account's room, returning its row; after the account's lock when <paramref name="withLock"/>.</summary>
    private static DbCommand Command(JobsDbContext db, Job job, QuotaOptions quotas, bool withLock)
    {
        var ownerId = job.OwnerId ?? throw new ArgumentException($"Job {job.Id} has no account whose quotas it counts against.", nameof(job));
        var check = new QuotaCheck(ownerId, AddsActiveJob: true, job.DeclaredBytes, quotas);
        RowInsert.RefuseTracked(db, job);
        var statements = ByModel.GetValue(db.Model, _ => Statements.For(db));
        var insert = check.AddedBytes is null ? statements.WithoutDeclaredSize : statements.WithDeclaredSize;
        var command = WriterCommands.Bind(
            WriterCommands.For(db, WriterCommands.TransactionOf(db), withLock ? insert.AfterLock : insert.Alone.Sql), insert.Alone.Properties, insert.Alone.Names, job);
        QuotaCheckSql.Bind(command, db, check, withLock);
        return command;
    }

    /// <summary>
    /// The job's INSERT selected from the account's room (<c>INSERT INTO jobs (…) SELECT @p0, … FROM (totals) WHERE room
    /// RETURNING 1</c>), alone and after the account's lock, for a job that declared its size and one that did not, for
    /// one model (PostgreSQL's).
    /// </summary>
    private sealed record Statements(Insert WithDeclaredSize, Insert WithoutDeclaredSize)
    {
        public static Statements For(JobsDbContext db) => new(Within(db, addsBytes: true), Within(db, addsBytes: false));

        // The job's parameters are "p0" onwards, apart from the check's ("quota_…").
        private static Insert Within(JobsDbContext db, bool addsBytes)
        {
            var insert = RowInsert.SelectedFrom(db, typeof(Job), QuotaCheckSql.Room(db, addsActiveJob: true, addsBytes), "p");
            var alone = insert with { Sql = $"{insert.Sql} RETURNING 1" };
            return new Insert(alone, $"{QuotaCheckSql.Lock}; {alone.Sql}");
        }
    }

    /// <param name="Alone">The INSERT, and its job's parameters.</param>
    /// <param name="AfterLock">The account's lock and the INSERT, one command of two statements.</param>
    private sealed record Insert(RowInsert.SelectedInsert Alone, string AfterLock);
}
