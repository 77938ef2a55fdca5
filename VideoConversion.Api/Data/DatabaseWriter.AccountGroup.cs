using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Data;

public sealed partial class DatabaseWriter
{
    /// <summary>How often a group whose write threw runs again without it, before the rest run alone.</summary>
    private const int MaxGroupRuns = 3;

    /// <summary>
    /// PostgreSQL: a group of writes from an account lane (<see cref="WriteLocks"/>), in one transaction, one commit for all.
    /// </summary>
    /// <remarks>
    /// Why a group: one account's writes run one after another whatever runs them, since each holds the account's lock or
    /// its totals' row (the triggers) until its commit. One write per transaction made every one of them wait for the
    /// commit of the one before, its round trip and WAL flush; in a group the lock is held once and the flush is shared.
    /// <para>
    /// Why no deadlock: before any write runs, the group takes every lock its writes named, in one order: the accounts'
    /// locks by key, then the rows of the jobs they update by id. Another replica's group that shares an account waits at
    /// the first lock they share, holding nothing the other needs. A write outside the groups (a report, a cancel, the
    /// sweeper) locks its job's row and then its account's totals: the group either waits for that row before it has
    /// touched the totals, or holds the row first and that write waits. What the groups' writes lock beyond what they
    /// named is rows of their own making.
    /// </para>
    /// <para>
    /// No savepoint per write either: on PostgreSQL a RELEASE is a round trip of its own, inside the lock. Should a write
    /// throw (a conflict, a constraint, its caller gone), the group is undone whole, that write runs alone
    /// (<see cref="CommitOneAsync"/>: it fails, runs again or is deferred alone, as any single write) and the rest run as a
    /// group again; after <see cref="MaxGroupRuns"/> such runs, alone. Locks not granted (another holder past
    /// <c>lock_timeout</c>, a deadlock the server broke) defer the whole group to the lane's next turn.
    /// </para>
    /// </remarks>
    /// <exception cref="Exception">The transaction itself failed (the connection, the server): the lane's caller fails the group's writes.</exception>
    private async Task CommitAccountsTogetherAsync(Lane lane, List<IWrite> batch)
    {
        var group = batch.Where(StillWanted).ToList();
        for (var run = 1; group.Count > 0; run++)
        {
            if (group.Count == 1 || run > MaxGroupRuns)
            {
                foreach (var write in group)
                {
                    await CommitOneAsync(lane, write);
                }

                return;
            }

            if (await TryCommitTogetherAsync(lane, group) is not { } threw)
            {
                return;
            }

            group.Remove(threw);
            await CommitOneAsync(lane, threw);
            group.RemoveAll(write => !StillWanted(write));
        }
    }

    /// <summary>Whether the write's caller still waits for it; one that gave up is failed here, and not run.</summary>
    private static bool StillWanted(IWrite write)
    {
        if (!write.IsCanceled)
        {
            return true;
        }

        write.Fail(new OperationCanceledException("The caller gave up before its write ran."));
        return false;
    }

    /// <summary>
    /// The group committed and its writes answered, or, its locks not granted, deferred (null); or the write that threw,
    /// with the group undone whole.
    /// </summary>
    private async Task<IWrite?> TryCommitTogetherAsync(Lane lane, List<IWrite> group)
    {
        var started = Stopwatch.GetTimestamp();
        var announcesWebhooks = false;
        long committing;
        var db = lane.Context ??= NewContext(lane);
        using (await gate.EnterAsync(CancellationToken.None))
        {
            await using var transaction = await options.Database.BeginWriteAsync(lane.Connection!, CancellationToken.None);
            await db.Database.UseTransactionAsync(transaction);
            try
            {
                try
                {
                    await LockAsync(db, transaction, group);
                }
                catch (Exception exception) when (IsLockConflict(exception))
                {
                    // Should undoing it fail, the connection is gone: the lane's caller fails the group's writes.
                    await transaction.RollbackAsync();
                    metrics.GroupUndone(DatabaseMetrics.UndoneByLocks);
                    LogGroupDeferred(logger, exception, group.Count);
                    Defer(lane, group, exception);
                    return null;
                }

                foreach (var write in group)
                {
                    try
                    {
                        await write.RunAsync(db);
                        write.AnnouncesWebhooks = RecordedDeliveries(db);
                        announcesWebhooks |= write.AnnouncesWebhooks;
                    }
                    catch (Exception exception)
                    {
                        await transaction.RollbackAsync();
                        metrics.GroupUndone(DatabaseMetrics.UndoneByWrite);
                        LogGroupUndone(logger, exception, group.Count);
                        return write;
                    }
                    finally
                    {
                        db.ChangeTracker.Clear();
                    }
                }

                committing = Stopwatch.GetTimestamp();
                await transaction.CommitAsync();
            }
            finally
            {
                // The context outlives the transaction; it must not hold on to one that is over.
                await db.Database.UseTransactionAsync(null);
            }
        }

        metrics.Committed(group.Count, Stopwatch.GetElapsedTime(started).TotalSeconds, Stopwatch.GetElapsedTime(committing).TotalSeconds);
        Acknowledge(group, announcesWebhooks);
        return null;
    }

    /// <summary>The group's writes to the lane's next turn, each failed instead once deferred too often.</summary>
    private static void Defer(Lane lane, List<IWrite> group, Exception exception)
    {
        foreach (var write in group)
        {
            if (++write.Deferrals <= MaxDeferrals)
            {
                lane.Deferred.Enqueue(write);
            }
            else
            {
                write.Fail(exception);
            }
        }
    }

    /// <summary>
    /// Takes the locks the group's writes named, in one round trip: the accounts' by key, then the jobs' rows by id, one
    /// statement each, which the server runs in the order given (one statement over a list would leave the order to its plan).
    /// </summary>
    private static async Task LockAsync(JobsDbContext db, DbTransaction transaction, List<IWrite> group)
    {
        var accounts = group.Where(write => write.AccountLock is not null).Select(write => write.AccountLock!.Value).Distinct().Order().ToList();
        var jobs = group.Where(write => write.JobLock is not null).Select(write => write.JobLock!).Distinct().Order(StringComparer.Ordinal).ToList();
        var statements = accounts.Select((_, index) => TransactionLock.Statement($"@account{index}"))
            .Concat(jobs.Select((_, index) => JobRowLock(db, $"@job{index}")));
        var command = WriterCommands.For(db, transaction, string.Join("; ", statements));
        for (var index = 0; index < accounts.Count; index++)
        {
            command.Parameters.Add(new NpgsqlParameter<long>($"account{index}", accounts[index]));
        }

        for (var index = 0; index < jobs.Count; index++)
        {
            command.Parameters.Add(new NpgsqlParameter<string>($"job{index}", jobs[index]));
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The statement that locks the row of the job whose id <paramref name="parameter"/> holds, until the transaction ends.</summary>
    private static string JobRowLock(JobsDbContext db, string parameter)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var jobType = db.Model.FindEntityType(typeof(Job))!;
        var table = StoreObjectIdentifier.Table(jobType.GetTableName()!, jobType.GetSchema());
        var id = jobType.FindProperty(nameof(Job.Id))!.GetColumnName(table)!;
        return $"SELECT 1 FROM {sql.DelimitIdentifier(table.Name, table.Schema)} WHERE {sql.DelimitIdentifier(id)} = {parameter} FOR UPDATE";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A group of {Writes} writes was undone whole: the one that threw runs alone, the others together again")]
    private static partial void LogGroupUndone(ILogger logger, Exception exception, int writes);

    [LoggerMessage(Level = LogLevel.Information, Message = "A group of {Writes} writes waited too long for its locks or met a deadlock; it runs again on the lane's next turn")]
    private static partial void LogGroupDeferred(ILogger logger, Exception exception, int writes);
}
