using System.Data.Common;
using System.Diagnostics;
using System.Runtime.CompilerServices;
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
    /// locks by key, then the rows of the jobs they update by id. Its writes then lock only their accounts' totals (the
    /// triggers) and rows of their own making. Every other writer keeps the same order: whoever takes an account's lock
    /// takes it before its job rows, job rows come before the totals, and several job rows are locked only in id order.
    /// So another replica's group that shares an account waits at the first lock they share, holding nothing the other
    /// needs; a report or a cancel holding a job's row either is waited for before the group touches the totals, or waits.
    /// </para>
    /// <para>
    /// Why statements ahead: the lane runs the group's writes one after another, so each round trip of one is waited for by
    /// all behind it. A write that can say its statement before it runs (a create, a submission: <see cref="IWrite.StatementAhead"/>)
    /// has it sent with the locks, after them; a group of such writes is then two round trips, the locks with every
    /// statement, and the commit, where it was two plus one per write.
    /// </para>
    /// <para>
    /// No savepoint per write either: on PostgreSQL a RELEASE is a round trip of its own, inside the lock. Should a write
    /// throw (a conflict, a constraint, its caller gone), the group is undone whole, that write runs alone
    /// (<see cref="CommitOneAsync"/>: it fails, runs again or is deferred alone, as any single write) and the rest run as a
    /// group again; after <see cref="MaxGroupRuns"/> such runs, alone. A lock not granted (another holder past
    /// <c>lock_timeout</c>, a deadlock the server broke) undoes the group too: the writes of the account that met it
    /// (the running write's, or those whose locks a probe finds held) are deferred to the lane's next turn, where they run
    /// after the fresh writes, each account apart; the rest run together again at once.
    /// </para>
    /// </remarks>
    /// <exception cref="Exception">The transaction itself failed (the connection, the server): the lane's caller fails the group's writes.</exception>
    private async Task CommitAccountsTogetherAsync(Lane lane, List<IWrite> batch)
    {
        // The accounts a lock kept out on an earlier turn go after the others, each apart: should the lock still be held,
        // only that account's writes wait for it again. All of such an account's writes go with it, in the order they came
        // (the deferred ones first), so its newer writes neither wait in the others' group nor pass its older ones.
        var waited = batch.Where(write => write.Deferrals > 0).Select(write => write.AccountLock).ToHashSet();
        await CommitGroupAsync(lane, [.. batch.Where(write => !waited.Contains(write.AccountLock))]);
        foreach (var ofOneAccount in batch.Where(write => waited.Contains(write.AccountLock)).GroupBy(write => write.AccountLock))
        {
            await CommitGroupAsync(lane, [.. ofOneAccount]);
        }
    }

    private async Task CommitGroupAsync(Lane lane, List<IWrite> writes)
    {
        var group = writes.Where(StillWanted).ToList();
        for (var runs = 1; group.Count > 0; runs++)
        {
            if (group.Count == 1 || runs > MaxGroupRuns)
            {
                foreach (var write in group)
                {
                    await CommitOneAsync(lane, write);
                }

                return;
            }

            var run = await TryCommitTogetherAsync(lane, group);
            switch (run.Outcome)
            {
                case GroupOutcome.Committed:
                    return;
                case GroupOutcome.LocksNotGranted:
                    // The accounts whose lock another holds now (the one of the write that waited, or, while the locks
                    // were taken, those a probe finds held) wait for the lane's next turn; the rest run together at once.
                    // Held but not found (a job's row, or let go since): the whole group waits.
                    var held = run.Thrower?.AccountLock is { } waited ? [waited] : await HeldElsewhereAsync(lane, group);
                    var kept = held.Count == 0 ? [.. group] : group.Where(write => held.Contains(write.AccountLock!.Value)).ToList();
                    Defer(lane, kept, run.Exception!);
                    group.RemoveAll(kept.Contains);
                    break;
                default:
                    group.Remove(run.Thrower!);
                    await CommitOneAsync(lane, run.Thrower!);
                    group.RemoveAll(write => !StillWanted(write));
                    break;
            }
        }
    }

    /// <summary>
    /// The group's accounts whose locks another session holds now: each tried without waiting, in a transaction of its own
    /// that lets go of those it got (a try never waits, so the order of the tries cannot deadlock).
    /// </summary>
    private static async Task<HashSet<long>> HeldElsewhereAsync(Lane lane, List<IWrite> group)
    {
        var connection = (NpgsqlConnection)lane.Connection!;
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
        await using var probe = new NpgsqlCommand("SELECT key FROM unnest($1::bigint[]) AS key WHERE NOT pg_try_advisory_xact_lock(key)", connection, transaction)
        {
            Parameters = { new NpgsqlParameter<long[]> { TypedValue = [.. group.Select(write => write.AccountLock!.Value).Distinct()] } },
        };
        HashSet<long> held = [];
        await using (var reader = await probe.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                held.Add(reader.GetInt64(0));
            }
        }

        await transaction.RollbackAsync();
        return held;
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

    private enum GroupOutcome
    {
        /// <summary>Committed, and its writes answered (those whose callers gave up before their writes ran failed).</summary>
        Committed,

        /// <summary>Undone whole: a lock was not granted.</summary>
        LocksNotGranted,

        /// <summary>Undone whole: one write threw.</summary>
        WriteThrew,
    }

    /// <summary>How one run of a group ended: the exception that undid it, and the write that was running, if one was.</summary>
    private readonly record struct GroupRun(GroupOutcome Outcome, Exception? Exception = null, IWrite? Thrower = null);

    /// <summary>One run of the group: committed, or undone whole.</summary>
    private async Task<GroupRun> TryCommitTogetherAsync(Lane lane, List<IWrite> group)
    {
        var started = Stopwatch.GetTimestamp();
        var announcesWebhooks = false;
        List<IWrite> done = new(group.Count);
        long committing;
        var db = lane.Context ??= NewContext(lane);
        using (await gate.EnterAsync(CancellationToken.None))
        {
            await using var transaction = await options.Database.BeginWriteAsync(lane.Connection!, CancellationToken.None);
            await db.Database.UseTransactionAsync(transaction);
            try
            {
                IWrite? running = null;
                try
                {
                    // In the group's order, which is the order the server runs them in (the first to queue has the room first).
                    List<(IWrite Write, NpgsqlBatchCommand Statement)> sentAhead = [];
                    foreach (var write in group)
                    {
                        running = write;
                        if (!write.IsCanceled && write.StatementAhead(db) is { } statement)
                        {
                            sentAhead.Add((write, AsBatchCommand(statement)));
                        }
                    }

                    running = null;
                    try
                    {
                        await LockAndSendAheadAsync(db, transaction, group, sentAhead.Select(ahead => ahead.Statement));
                    }
                    catch (NpgsqlException exception) when (exception.BatchCommand is { } failed)
                    {
                        // A statement sent ahead is its write's: that write threw (a lock's failure is no write's). The
                        // statement, its parameters with it, stays no longer on the exception than it takes to say whose.
                        running = sentAhead.FirstOrDefault(ahead => ahead.Statement == failed).Write;
                        exception.BatchCommand = null;
                        throw;
                    }

                    var statementOf = sentAhead.ToDictionary(ahead => ahead.Write, ahead => ahead.Statement);

                    foreach (var write in group)
                    {
                        // A caller that gave up while the group ran: its write has not run, so it is failed and left out.
                        // One whose statement went ahead has run in part: it runs to its end, uncancelled, and commits with
                        // the group (its caller, gone, hears nothing; one still waiting hears the answer).
                        var wroteAhead = statementOf.TryGetValue(write, out var statement) ? statement.RecordsAffected > 0 : (bool?)null;
                        if (wroteAhead is null && !StillWanted(write))
                        {
                            continue;
                        }

                        running = write;
                        try
                        {
                            await write.RunAsync(db, wroteAhead);
                            write.AnnouncesWebhooks = RecordedDeliveries(db);
                            announcesWebhooks |= write.AnnouncesWebhooks;
                            done.Add(write);
                            running = null;
                        }
                        finally
                        {
                            db.ChangeTracker.Clear();
                        }
                    }
                }
                catch (Exception exception)
                {
                    // Should undoing it fail, the connection is gone: the lane's caller fails the group's writes.
                    await transaction.RollbackAsync();

                    // A lock not granted, while the locks were taken or a write ran (a row nobody named): no write's fault.
                    if (IsLockConflict(exception))
                    {
                        metrics.GroupUndone(DatabaseMetrics.UndoneByLocks);
                        LogGroupLocksNotGranted(logger, exception, group.Count);
                        return new GroupRun(GroupOutcome.LocksNotGranted, exception, running);
                    }

                    if (running is null)
                    {
                        throw; // taking the locks failed otherwise: the connection, the server
                    }

                    metrics.GroupUndone(DatabaseMetrics.UndoneByWrite);
                    LogGroupUndone(logger, exception, group.Count);
                    return new GroupRun(GroupOutcome.WriteThrew, exception, running);
                }

                if (done.Count == 0)
                {
                    // Every caller gave up before its write ran: nothing to commit, nor to count.
                    await transaction.RollbackAsync();
                    return new GroupRun(GroupOutcome.Committed);
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

        metrics.Committed(done.Count, Stopwatch.GetElapsedTime(started).TotalSeconds, Stopwatch.GetElapsedTime(committing).TotalSeconds);
        Acknowledge(done, announcesWebhooks);
        return new GroupRun(GroupOutcome.Committed);
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
    /// Takes the locks the group's writes named, and runs the statements its writes sent ahead, in one round trip: the
    /// accounts' locks by key, then the jobs' rows by id, one statement each, which the server runs in the order given (one
    /// statement over a list would leave the order to its plan), then the writes' statements in the group's order. A batch
    /// of fixed statements, not one text per group: each group size's text would take one of the connection's prepared
    /// statements (Max Auto Prepare). Should one statement fail, the server skips the rest, and the group is undone.
    /// </summary>
    private static async Task LockAndSendAheadAsync(JobsDbContext db, DbTransaction transaction, List<IWrite> group, IEnumerable<NpgsqlBatchCommand> sentAhead)
    {
        var accounts = group.Where(write => write.AccountLock is not null).Select(write => write.AccountLock!.Value).Distinct().Order();
        var jobs = group.Where(write => write.JobLock is not null).Select(write => write.JobLock!).Distinct().Order(StringComparer.Ordinal);
        var postgreSql = (NpgsqlTransaction)transaction;
        await using var batch = new NpgsqlBatch(postgreSql.Connection, postgreSql);
        if (db.Database.GetCommandTimeout() is { } seconds)
        {
            batch.Timeout = seconds;
        }

        foreach (var account in accounts)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(TransactionLock.Statement("$1")) { Parameters = { new NpgsqlParameter<long> { TypedValue = account } } });
        }

        var jobRowLock = JobRowLock(db);
        foreach (var job in jobs)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(jobRowLock) { Parameters = { new NpgsqlParameter<string> { TypedValue = job } } });
        }

        // After every lock: each statement runs once the locks are granted, and reads what was committed before them.
        foreach (var statement in sentAhead)
        {
            batch.BatchCommands.Add(statement);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A write's command (<see cref="IWrite.StatementAhead"/>) as a statement of the group's batch: its SQL and its parameters.</summary>
    /// <exception cref="InvalidOperationException">
    /// Not one statement: a batch's statement is one (with named parameters, Npgsql refuses several only when the batch
    /// runs, which would fail the whole group; here it fails its write alone).
    /// </exception>
    private static NpgsqlBatchCommand AsBatchCommand(DbCommand command)
    {
        using var emptied = command;
        if (command.CommandText.Contains(';', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A statement sent ahead is one statement, not several: {command.CommandText}");
        }

        var statement = new NpgsqlBatchCommand(command.CommandText);
        var parameters = command.Parameters.Cast<NpgsqlParameter>().ToList();
        // A parameter belongs to one collection at a time.
        command.Parameters.Clear();
        foreach (var parameter in parameters)
        {
            statement.Parameters.Add(parameter);
        }

        return statement;
    }

    /// <summary>
    /// The statement that locks the row of the job whose id is <c>$1</c> until the transaction ends: as an UPDATE of it
    /// would (FOR NO KEY UPDATE, which rows referring to the job do not wait for).
    /// </summary>
    private static string JobRowLock(JobsDbContext db) => JobRowLocks.GetValue(db.Model, _ => JobRowLockFor(db));

    /// <summary>The job-row lock's SQL by model (a provider's): built once, not for every group.</summary>
    private static readonly ConditionalWeakTable<IModel, string> JobRowLocks = [];

    private static string JobRowLockFor(JobsDbContext db)
    {
        var sql = db.GetService<ISqlGenerationHelper>();
        var jobType = db.Model.FindEntityType(typeof(Job))!;
        var table = StoreObjectIdentifier.Table(jobType.GetTableName()!, jobType.GetSchema());
        var id = jobType.FindProperty(nameof(Job.Id))!.GetColumnName(table)!;
        return $"SELECT 1 FROM {sql.DelimitIdentifier(table.Name, table.Schema)} WHERE {sql.DelimitIdentifier(id)} = $1 FOR NO KEY UPDATE";
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "A group of {Writes} writes was undone whole: the one that threw runs alone, the others together again")]
    private static partial void LogGroupUndone(ILogger logger, Exception exception, int writes);

    [LoggerMessage(Level = LogLevel.Information, Message = "A group of {Writes} writes waited too long for a lock or met a deadlock: the writes of the account that met it run on the lane's next turn, the others again at once")]
    private static partial void LogGroupLocksNotGranted(ILogger logger, Exception exception, int writes);
}
