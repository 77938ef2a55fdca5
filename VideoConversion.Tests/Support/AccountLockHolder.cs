using Npgsql;
using VideoConversion.Api.Quotas;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A session of its own holding an account's lock (<see cref="AccountLock"/>), as another replica would: not pooled, so
/// disposing it ends the session and lets go of whatever it still holds.
/// </summary>
internal sealed class AccountLockHolder : IAsyncDisposable
{
    private readonly NpgsqlConnection _session;
    private readonly long _key;

    private AccountLockHolder(NpgsqlConnection session, long key)
    {
        _session = session;
        _key = key;
    }

    public static async Task<AccountLockHolder> HoldAsync(string connectionString, string accountId)
    {
        var session = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        var holder = new AccountLockHolder(session, AccountLock.KeyOf(accountId));
        try
        {
            await session.OpenAsync();
            await holder.ExecuteAsync($"SELECT pg_advisory_lock({holder._key})");
            return holder;
        }
        catch
        {
            await holder.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits (10 s at most) until another session waits for the lock; <paramref name="waiter"/> names it for the failure.</summary>
    public async Task WaitUntilWaitedForAsync(string waiter)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((long)(await ScalarAsync(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND NOT granted " +
            $"AND classid::bigint = {(_key >> 32) & 0xFFFFFFFF} AND objid::bigint = {_key & 0xFFFFFFFF}"))! == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{waiter} never waited for the account's lock.");
            await Task.Delay(20);
        }
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>, run in the holder's session (its search path the test schema's).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _session);
        return await command.ExecuteScalarAsync();
    }

    public Task ReleaseAsync() => ExecuteAsync($"SELECT pg_advisory_unlock({_key})");

    public ValueTask DisposeAsync() => _session.DisposeAsync();

    private async Task ExecuteAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _session);
        await command.ExecuteNonQueryAsync();
    }
}
