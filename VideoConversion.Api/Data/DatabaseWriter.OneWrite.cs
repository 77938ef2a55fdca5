using System.Diagnostics;
using Microsoft.EntityFrameworkCore;

namespace VideoConversion.Api.Data;

public sealed partial class DatabaseWriter
{
    /// <summary>
    /// PostgreSQL's one write per transaction (see <see cref="ExecuteAsync"/>), without the savepoint a batch gives each of
    /// its writes: with one write, undoing the write is undoing the transaction. That saves the savepoint's RELEASE, a
    /// round trip of its own (Npgsql sends the SAVEPOINT with the next statement), and it falls inside the account's lock,
    /// which runs one account's writes one after another. As in a
    /// batch, a write that met a concurrent change runs again on what is committed now, in a new transaction, and one that
    /// deadlocked waits for the lane's next turn.
    /// </summary>
    /// <exception cref="Exception">The transaction itself failed (the connection, the server): the lane's caller fails the write.</exception>
    private async Task CommitOneAsync(Lane lane, IWrite write)
    {
        if (write.IsCanceled)
        {
            write.Fail(new OperationCanceledException("The caller gave up before its write ran."));
            return;
        }

        var db = lane.Context ??= NewContext(lane);
        for (var run = 1; ; run++)
        {
            var started = Stopwatch.GetTimestamp();
            using (await gate.EnterAsync(CancellationToken.None))
            {
                await using var transaction = await options.Database.BeginWriteAsync(lane.Connection!, CancellationToken.None);
                await db.Database.UseTransactionAsync(transaction);
                try
                {
                    try
                    {
                        await write.RunAsync(db, wroteAhead: null);
                        write.AnnouncesWebhooks = RecordedDeliveries(db);
                    }
                    catch (Exception exception)
                    {
                        // Undone whole. Should undoing it fail, the connection is gone: the lane's caller fails the write.
                        await transaction.RollbackAsync();
                        if (exception is DbUpdateConcurrencyException && run < MaxConflictRuns)
                        {
                            continue;
                        }

                        if (IsLockConflict(exception) && ++write.Deferrals <= MaxDeferrals)
                        {
                            lane.Deferred.Enqueue(write);
                            return;
                        }

                        write.Fail(exception);
                        return;
                    }
                    finally
                    {
                        db.ChangeTracker.Clear();
                    }

                    var committing = Stopwatch.GetTimestamp();
                    await transaction.CommitAsync();
                    metrics.Committed(1, Stopwatch.GetElapsedTime(started).TotalSeconds, Stopwatch.GetElapsedTime(committing).TotalSeconds);
                }
                finally
                {
                    // The context outlives the transaction; it must not hold on to one that is over.
                    await db.Database.UseTransactionAsync(null);
                }
            }

            Acknowledge([write], write.AnnouncesWebhooks);
            return;
        }
    }
}
