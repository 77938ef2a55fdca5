using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace VideoConversion.Api.Data;

/// <summary>
/// A few connections to a SQLite job database kept open for the hottest reads (<see cref="RowRead{TEntity}"/>), each with
/// its commands, so SQLite prepares each statement once per connection. Why not EF's connections: EF closes its connection
/// after each query, and Microsoft.Data.Sqlite drops a connection's prepared statements when it closes.
/// </summary>
/// <remarks>
/// Read-only (<c>query_only</c>, and internal: only the API's own statements run here): nothing written here can skip the
/// database writer. Opened without creating: a wrong path fails, not reads an empty new file. Bounded: with every
/// connection in use a reader is told none is free, and reads by EF. One set per database file, static (as EF's own caches
/// of a model are), until <see cref="Close"/>: the database writer closes them when it stops, after the requests. A
/// connection whose read failed (but for a cancellation, after which it is as it was) is closed, not given out again.
/// </remarks>
internal sealed class SqliteReadConnections
{
    private static readonly ConcurrentDictionary<string, SqliteReadConnections?> ByConnectionString = new(StringComparer.Ordinal);

    /// <summary>Open at most: enough for every thread reading at once on a small machine, few enough to hold little memory.</summary>
    internal static readonly int MaxOpen = Math.Clamp(Environment.ProcessorCount * 4, 4, 32);

    private readonly string _connectionString;
    private readonly ConcurrentBag<ReadConnection> _idle = [];
    private int _open;

    private volatile bool _closed;

    private SqliteReadConnections(string connectionString) => _connectionString =
        new SqliteConnectionStringBuilder(connectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ConnectionString;

    /// <summary>
    /// The connections to the database file of <paramref name="connectionString"/>; null for an in-memory database, which a
    /// connection of its own would not see.
    /// </summary>
    public static SqliteReadConnections? For(string connectionString) => ByConnectionString.GetOrAdd(connectionString, static key =>
        new SqliteConnectionStringBuilder(key) is { Mode: not SqliteOpenMode.Memory, DataSource: { Length: > 0 } file }
            && !file.Contains(":memory:", StringComparison.Ordinal) && !file.Contains("mode=memory", StringComparison.OrdinalIgnoreCase)
            ? new SqliteReadConnections(key)
            : null);

    /// <summary>Closes the connections to the database of <paramref name="connectionString"/>: the free ones now, those in use when their read ends.</summary>
    public static void Close(string connectionString)
    {
        if (ByConnectionString.TryRemove(connectionString, out var connections) && connections is not null)
        {
            connections._closed = true;
            Interlocked.MemoryBarrier();
            while (connections._idle.TryTake(out var idle))
            {
                connections.Discard(idle);
            }
        }
    }

    /// <summary>Connections open now, in use or free (the tests read it).</summary>
    internal int Open => Volatile.Read(ref _open);

    /// <summary>
    /// Runs <paramref name="read"/> on a free connection, which it has alone meanwhile; <paramref name="fallback"/> when none
    /// is free and no more may be opened.
    /// </summary>
    public async Task<T> ReadAsync<T>(Func<ReadConnection, Task<T>> read, Func<Task<T>> fallback)
    {
        if (_closed)
        {
            return await fallback();
        }

        if (!_idle.TryTake(out var connection))
        {
            if (Interlocked.Increment(ref _open) > MaxOpen)
            {
                Interlocked.Decrement(ref _open);
                return await fallback();
            }

            try
            {
                connection = await ReadConnection.OpenAsync(_connectionString);
            }
            catch
            {
                Interlocked.Decrement(ref _open);
                throw;
            }
        }

        var reusable = false;
        try
        {
            var result = await read(connection);
            reusable = true;
            return result;
        }
        catch (OperationCanceledException)
        {
            // Its reader is disposed: the connection and its statements are as they were.
            reusable = true;
            throw;
        }
        finally
        {
            if (reusable && !_closed)
            {
                _idle.Add(connection);
                // Closed meanwhile: what Close found no longer includes it. (A full fence on each side, Close's too: the
                // flag read here cannot move before the Add.)
                Interlocked.MemoryBarrier();
                if (_closed && _idle.TryTake(out var late))
                {
                    Discard(late);
                }
            }
            else
            {
                Discard(connection);
            }
        }
    }

    private void Discard(ReadConnection connection)
    {
        Interlocked.Decrement(ref _open);
        connection.Dispose();
    }

    /// <summary>One open, read-only connection and its commands by their SQL.</summary>
    internal sealed class ReadConnection : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        private ReadConnection(SqliteConnection connection) => _connection = connection;

        public static async Task<ReadConnection> OpenAsync(string connectionString)
        {
            var connection = new SqliteConnection(connectionString);
            try
            {
                await connection.OpenAsync();
                await using var setup = connection.CreateCommand();
                setup.CommandText = "PRAGMA query_only=ON;";
                await setup.ExecuteNonQueryAsync();
                return new ReadConnection(connection);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        /// <summary>The command for <paramref name="sql"/> (made at its first use here), with no parameters yet.</summary>
        public DbCommand For(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = _connection.CreateCommand();
                command.CommandText = sql;
                _commands.Add(sql, command);
            }

            command.Parameters.Clear();
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            _connection.Dispose();
        }
    }
}
