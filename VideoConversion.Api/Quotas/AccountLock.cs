using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Coordination;

namespace VideoConversion.Api.Quotas;

/// <summary>
/// Makes a check of an account's totals and the write it allows one step across API replicas. In one process the write
/// gate already does (SQLite has one API process); on PostgreSQL, replicas check and write at once, so the step takes the
/// account's transaction lock first: the second replica's check waits for the first one's commit and reads its totals.
/// Accounts lock apart, so a busy account never slows another.
/// </summary>
public static class AccountLock
{
    /// <summary>Locks <paramref name="ownerId"/>'s totals until the current transaction ends (PostgreSQL; nothing on SQLite).</summary>
    public static Task TakeAsync(DbContext db, string ownerId, CancellationToken cancellationToken) =>
        TransactionLock.TakeAsync(db, NameOf(ownerId), cancellationToken);

    /// <summary>The name of <paramref name="ownerId"/>'s lock (<see cref="AdvisoryLock.KeyOf"/> makes its key).</summary>
    public static string NameOf(string ownerId) => $"account:{ownerId}";

    /// <summary>The key of <paramref name="ownerId"/>'s lock, the same in every replica.</summary>
    public static long KeyOf(string ownerId) => AdvisoryLock.KeyOf(NameOf(ownerId));
}
