using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Quotas;

/// <summary>What an account holds now: its active jobs, and the bytes its jobs keep in storage.</summary>
public sealed record AccountUsage(int ActiveJobs, long StoredBytes)
{
    /// <summary>
    /// The account's running totals (table account_usage, kept by triggers on jobs in the same transaction as every job
    /// change, whoever makes it): one row read, however many jobs the account has had.
    /// </summary>
    /// <remarks>
    /// Creating a job reads it in the database writer's lane, which every write waits for (on PostgreSQL only when the
    /// job's own statement found no room, <see cref="QuotaCheckSql"/>): there by a statement of the writer's own
    /// (<see cref="RowRead{TEntity}.InBatchByKeyAsync"/>), prepared once per connection; elsewhere by a compiled query
    /// (<see cref="CompiledQueryPerModel{TQuery}"/>).
    /// </remarks>
    public static async Task<AccountUsage> OfAsync(JobsDbContext db, string ownerId, CancellationToken cancellationToken)
    {
        if (WriterCommands.BatchTransactionOf(db) is not { } transaction)
        {
            return await Totals.For(db)(db, ownerId, cancellationToken) ?? new AccountUsage(0, 0);
        }

        return await RowRead.For<AccountUsageTotals>(db).InBatchByKeyAsync(db, transaction, ownerId, cancellationToken) is { } totals
            ? new AccountUsage(totals.ActiveJobs, totals.StoredBytes)
            : new AccountUsage(0, 0);
    }

    /// <summary>
    /// Takes the account's lock until the transaction ends (<see cref="AccountLock"/>), then reads its totals: a check
    /// that no other writer can pass at the same time. In the database writer's batch on PostgreSQL, one round trip: the
    /// lock's statement and the read's go together, and the read, a statement of its own, sees every write committed before
    /// the lock was granted (each statement of a READ COMMITTED transaction reads what is committed when it starts). That
    /// round trip less is one less inside the lock, which runs one account's writes one after another.
    /// </summary>
    public static async Task<AccountUsage> LockAndReadAsync(JobsDbContext db, string ownerId, CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql() || WriterCommands.BatchTransactionOf(db) is not { } transaction)
        {
            await AccountLock.TakeAsync(db, ownerId, cancellationToken);
            return await OfAsync(db, ownerId, cancellationToken);
        }

        var read = RowRead.For<AccountUsageTotals>(db);
        var command = WriterCommands.For(db, transaction, $"{TransactionLock.Statement("@lock")}; {read.ByKey}");
        command.Parameters.Add(new NpgsqlParameter<long>("lock", AccountLock.KeyOf(ownerId)));
        command.Parameters.Add(WriterCommands.Parameter(command, read.Key, read.KeyParameterName, ownerId));
        return await read.FirstAsync(command, answersBefore: 1, cancellationToken) is { } totals
            ? new AccountUsage(totals.ActiveJobs, totals.StoredBytes)
            : new AccountUsage(0, 0);
    }

    private static readonly CompiledQueryPerModel<Func<JobsDbContext, string, CancellationToken, Task<AccountUsage?>>> Totals = new(() =>
        EF.CompileAsyncQuery((JobsDbContext db, string ownerId, CancellationToken _) =>
            db.AccountUsage.AsNoTracking().Where(usage => usage.OwnerId == ownerId)
                .Select(usage => new AccountUsage(usage.ActiveJobs, usage.StoredBytes))
                .SingleOrDefault()));

    /// <summary>
    /// The same totals counted over the account's jobs (what the triggers keep): how they are defined, and the check that
    /// they stay right.
    /// </summary>
    public static async Task<AccountUsage> CountAsync(JobsDbContext db, string ownerId, CancellationToken cancellationToken)
    {
        var jobs = db.Jobs.AsNoTracking().Where(job => job.OwnerId == ownerId);
        var active = await jobs.CountAsync(
            job => job.Status == JobStatus.AwaitingUpload || job.Status == JobStatus.Pending || job.Status == JobStatus.Processing,
            cancellationToken);
        // An input counts from its request (its declared size, then its real one) until retention removes it;
        // an output from when it is made until retention removes it.
        var stored = await jobs.SumAsync(job =>
            (job.InputDeletedAt == null ? job.InputBytes ?? job.DeclaredBytes ?? 0L : 0L) +
            (job.OutputDeletedAt == null ? job.OutputBytes ?? 0L : 0L), cancellationToken);
        return new AccountUsage(active, stored);
    }
}
