using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// The Data Protection key ring, made once for all replicas. On a first start with an empty key table, every replica would
/// otherwise create a key of its own, active at once, and each would refuse the others' sign-in tokens and webhook secrets
/// until it read the table again (a day later). Under a lock, the first replica creates the key and commits it; the next
/// ones wait, then load the ring with that key in it. Later keys are made days before they become active, which gives
/// every replica time to read them: only the first one needs this.
/// </summary>
public static class SharedKeyRing
{
    public static async Task EnsureKeyRingAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        if (!db.Database.IsNpgsql())
        {
            // One API process on SQLite: nothing to share the ring with.
            return;
        }

        await using var step = await db.Database.BeginTransactionAsync(cancellationToken);
        await TransactionLock.TakeAsync(db, "data-protection-key-ring", cancellationToken);
        // Protecting anything loads the ring, and creates and stores its first key (on a connection of its own, committed)
        // when there is none.
        scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector("VideoConversion.Api.KeyRing").Protect([1]);
        await step.CommitAsync(cancellationToken);
    }
}
