using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace VideoConversion.Api.Data;

/// <summary>
/// SQLite's checkpoints (the write-ahead log's pages copied into the database file), run on a thread and a connection of
/// their own instead of inside the database writer's COMMIT. SQLite runs one by itself in the COMMIT that takes the log past
/// 1,000 pages, on the committing connection: there it held the lane every write waits for while it copied the pages and
/// synced the log and the database file (commits of 10–25 ms, a dozen in a benchmark of the API, against a median under
/// 0.1 ms). The writer's connection turns that off (<see cref="JobDatabase.DeferLogSyncAsync"/>), and this runs a PASSIVE
/// checkpoint every second, which waits for no reader and no writer. The API's rarer writers on other connections
/// (cancel, retention, accounts) keep SQLite's own: should the log pass 1,000 frames between two of these, their commit
/// checkpoints.
/// </summary>
/// <remarks>
/// Durability stays SQLite's: a checkpoint syncs the log before it writes the database file, whatever the writer's own
/// flush has done. Should checkpoints fail, the log only grows (every read stays right); each failure is logged, and the
/// next second tries again on a new connection.
/// </remarks>
internal sealed partial class WalCheckpointer : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly string _connectionString;
    private readonly DatabaseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly Thread _thread;

    /// <summary>The log's frames in the database file after the last checkpoint (this thread's alone).</summary>
    private long _checkpointed;

    public WalCheckpointer(string connectionString, DatabaseMetrics metrics, ILogger logger)
    {
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ConnectionString;
        _metrics = metrics;
        _logger = logger;
        // A thread, not the pool's: a checkpoint blocks on the disk for milliseconds.
        _thread = new Thread(Run) { IsBackground = true, Name = "Database checkpoint" };
        _thread.Start();
    }

    /// <summary>Stops after the checkpoint under way, if any.</summary>
    public void Dispose()
    {
        _stopping.Set();
        _thread.Join(TimeSpan.FromSeconds(30));
    }

    private void Run()
    {
        SqliteConnection? connection = null;
        try
        {
            while (!_stopping.Wait(Interval))
            {
                try
                {
                    connection ??= Open();
                    Checkpoint(connection);
                }
                catch (Exception exception)
                {
                    LogCheckpointFailed(_logger, exception);
                    connection?.Dispose();
                    connection = null;
                }
            }
        }
        finally
        {
            connection?.Dispose();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // Stated, not left to SQLite's default: a checkpoint syncs the log before it writes the database file.
            using var setup = connection.CreateCommand();
            setup.CommandText = "PRAGMA synchronous=FULL;";
            setup.ExecuteNonQuery();
            _checkpointed = 0;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Checkpoint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        var started = Stopwatch.GetTimestamp();
        using var result = command.ExecuteReader();
        // One row: whether it was kept from finishing, the log's frames, and of those the frames now in the database file.
        // The last counts from the log's start, which goes back to 0 when a write begins the log again.
        if (!result.Read())
        {
            return;
        }

        var checkpointed = result.GetInt64(2);
        var copied = checkpointed >= _checkpointed ? checkpointed - _checkpointed : checkpointed;
        _checkpointed = checkpointed;
        if (copied > 0)
        {
            _metrics.Checkpointed(copied, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpointing the job database's write-ahead log failed; it is tried again in a second, and the log grows meanwhile")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
