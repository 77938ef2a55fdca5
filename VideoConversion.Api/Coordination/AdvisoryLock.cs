using System.Buffers.Binary;
using System.Data;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace VideoConversion.Api.Coordination;

/// <summary>
/// A PostgreSQL session-level advisory lock on a connection of its own. The server holds such a lock for the session that
/// took it until it is unlocked or the session ends, whatever ends it (a close, a crash, <c>kill -9</c> of the replica, a
/// network that went away, a restart of the server): a lease can never outlive its holder, and needs no expiry.
/// </summary>
/// <remarks>
/// The connection is not pooled: disposing it ends the session, and with it the lock. A pooled one would go back to the
/// pool still holding the lock, and the next request to borrow it would hold a duty's lease without knowing.
/// Every call has a time limit, so a server that does not answer is a failure within seconds, never a wait.
/// </remarks>
internal sealed class AdvisoryLock : IAsyncDisposable
{
    /// <summary>The longest that opening the connection, or any of its commands, may take.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(CallTimeoutSeconds);

    private const int CallTimeoutSeconds = 5;

    /// <summary>Keeps this system's keys apart from any other application's advisory locks on the same server.</summary>
    private const string KeyPrefix = "videoconversion:";

    private readonly NpgsqlConnection _connection;

    /// <summary>A check failed: unlocking would only wait for a session that does not answer.</summary>
    private bool _stoppedAnswering;

    private AdvisoryLock(NpgsqlConnection connection, long key)
    {
        _connection = connection;
        Key = key;
    }

    /// <summary>The lock's key, the same for a name in every process (<see cref="KeyOf"/>).</summary>
    public long Key { get; }

    /// <summary>Whether this session holds the lock (after <see cref="TryTakeAsync"/> succeeded).</summary>
    public bool IsTaken { get; private set; }

    /// <summary>
    /// The 64-bit key of a named lock: the first 8 bytes of the SHA-256 of <c>videoconversion:</c> and the name. Every
    /// replica, of any version or runtime, must compute the same key, so never <see cref="string.GetHashCode()"/> (it
    /// differs per process).
    /// </summary>
    public static long KeyOf(string name) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(KeyPrefix + name)));

    /// <summary>Opens the lock's own session; the lock is not taken yet.</summary>
    public static async Task<AdvisoryLock> OpenAsync(string connectionString, string name, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            Timeout = CallTimeoutSeconds,
            CommandTimeout = CallTimeoutSeconds,
            // Who holds what, for an operator: pg_stat_activity joined with pg_locks on the pid.
            ApplicationName = "videoconversion lease " + name,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            using var timeout = Limited(cancellationToken);
            await connection.OpenAsync(timeout.Token);
            return new AdvisoryLock(connection, KeyOf(name));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes the lock if no other session holds it, without waiting for it.</summary>
    public async Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        IsTaken = await ScalarAsync("SELECT pg_try_advisory_lock(@key)", withKey: true, cancellationToken) is true;
        return IsTaken;
    }

    /// <summary>Throws unless the session still answers: while it does, it still holds what it took.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ScalarAsync("SELECT 1", withKey: false, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _stoppedAnswering = true;
            throw;
        }
    }

    /// <summary>Unlocks, then ends the session (which would free the lock by itself).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (IsTaken && !_stoppedAnswering && _connection.State == ConnectionState.Open)
            {
                await ScalarAsync("SELECT pg_advisory_unlock(@key)", withKey: true, CancellationToken.None);
            }
        }
        catch (Exception)
        {
            // The session is broken or does not answer: ending it below frees the lock all the same.
        }
        finally
        {
            IsTaken = false;
            await _connection.DisposeAsync();
        }
    }

    private async Task<object?> ScalarAsync(string sql, bool withKey, CancellationToken cancellationToken)
    {
        using var timeout = Limited(cancellationToken);
        await using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = CallTimeoutSeconds;
        if (withKey)
        {
            command.Parameters.AddWithValue("key", Key);
        }

        return await command.ExecuteScalarAsync(timeout.Token);
    }

    private static CancellationTokenSource Limited(CancellationToken cancellationToken)
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        return timeout;
    }
}
