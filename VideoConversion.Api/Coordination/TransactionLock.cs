using Microsoft.EntityFrameworkCore;

namespace VideoConversion.Api.Coordination;

/// <summary>
/// A named lock held until the current transaction ends, so that a check and the write it allows are one step across API
/// replicas (PostgreSQL's <c>pg_advisory_xact_lock</c>, keyed as <see cref="AdvisoryLock.KeyOf"/>). On SQLite it takes
/// nothing: one API process writes, and its write gate already makes the step one.
/// </summary>
public static class TransactionLock
{
    /// <summary>Waits for, and takes, the lock named <paramref name="name"/>; it is released when the transaction ends.</summary>
    public static async Task TakeAsync(DbContext db, string name, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            // Outside a transaction the lock would end with the statement: a step that meant to hold it would hold nothing.
            if (db.Database.CurrentTransaction is null)
            {
                throw new InvalidOperationException($"The lock '{name}' is held until a transaction ends; take it inside one.");
            }

            await db.Database.ExecuteSqlRawAsync(Statement("{0}"), [AdvisoryLock.KeyOf(name)], cancellationToken);
        }
    }

    /// <summary>The statement that takes a lock until the transaction ends, its key where <paramref name="key"/> stands (PostgreSQL).</summary>
    public static string Statement(string key) => $"SELECT pg_advisory_xact_lock({key})";
}
