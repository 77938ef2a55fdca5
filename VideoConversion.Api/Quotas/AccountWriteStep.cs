using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Quotas;

/// <summary>
/// A check of an account's totals and the write it allows, as one step, for a write outside the database writer: on
/// SQLite the process's write gate, on PostgreSQL (whose gate lets every writer through) a transaction holding the
/// account's lock (<see cref="AccountLock"/>), so that no other request, of this replica or another, can pass the same
/// quota in between.
/// </summary>
public sealed class AccountWriteStep : IAsyncDisposable
{
    private readonly IDisposable _gate;
    private readonly IDbContextTransaction? _transaction;

    private AccountWriteStep(IDisposable gate, IDbContextTransaction? transaction)
    {
        _gate = gate;
        _transaction = transaction;
    }

    public static async Task<AccountWriteStep> BeginAsync(JobsDbContext db, string ownerId, CancellationToken cancellationToken)
    {
        var gate = await db.WriteGate.EnterAsync(cancellationToken);
        IDbContextTransaction? transaction = null;
        try
        {
            if (db.Database.IsNpgsql())
            {
                transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await AccountLock.TakeAsync(db, ownerId, cancellationToken);
            }

            return new AccountWriteStep(gate, transaction);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            gate.Dispose();
            throw;
        }
    }

    /// <summary>Saves the context's changes and ends the step's transaction: the write is committed.</summary>
    public async Task SaveAsync(JobsDbContext db, CancellationToken cancellationToken)
    {
        await db.SaveChangesHoldingGateAsync(cancellationToken);
        if (_transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken);
        }
    }

    /// <summary>Ends the step; a transaction not committed is rolled back (a refusal wrote nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync();
        }

        _gate.Dispose();
    }
}
