using Microsoft.EntityFrameworkCore;

namespace VideoConversion.Api.Data;

/// <summary>
/// Looks at what a context tracks without comparing every tracked entity with its snapshot first, as
/// <c>ChangeTracker.Entries</c> does by itself: for the database writer's checks after and between a write's saves, which
/// look only for entities added or attached (Add and Attach track them at once), on the lane every write waits for.
/// </summary>
public static class TrackedEntries
{
    public static bool Any<TEntity>(DbContext db, Func<TEntity, bool> predicate)
        where TEntity : class
    {
        var detecting = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return db.ChangeTracker.Entries<TEntity>().Any(entry => predicate(entry.Entity));
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = detecting;
        }
    }
}
