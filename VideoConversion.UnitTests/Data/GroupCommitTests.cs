using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// The database writer's group commit on a real SQLite file: in WAL mode its connection commits without syncing the log,
/// and every batch's writes are answered only after a flush of the log that came after its commit.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-group-commit-");

    public void Dispose() => _work.Delete(recursive: true);

    [Theory]
    [InlineData("wal")] // the writer flushes the log itself: every batch through exactly one flush
    [InlineData("delete")] // a rollback journal: SQLite syncs each commit, and nothing waits for a flush
    public async Task Every_answered_write_is_kept_and_in_wal_mode_every_batch_is_answered_after_one_flush_of_the_log(string journalMode)
    {
        var file = await DatabaseAsync($"{journalMode}.db", journalMode);
        var recorded = await WriteConcurrentlyAsync(file, writes: 200);

        // Every write answered is in the database, read on another connection.
        Assert.Equal(200, await CountRowsAsync(file));
        Assert.Equal(200, recorded.Sum("videoconversion.database.batch.writes"));
        var flushedBatches = journalMode == "wal" ? recorded.Count("videoconversion.database.batch.writes") : 0;
        Assert.Equal(flushedBatches, recorded.Sum("videoconversion.database.flush.batches"));
        Assert.Equal(journalMode == "wal", recorded.Count("videoconversion.database.flush.duration") > 0);
    }

    [Fact]
    public async Task The_writers_connection_commits_without_syncing_only_in_wal_mode()
    {
        var wal = await DatabaseAsync("wal.db", "wal");
        var journal = await DatabaseAsync("journal.db", "delete");

        var (log, synchronous, autoCheckpoint) = await DeferredSyncOfAsync(wal);
        Assert.Equal(1L, synchronous); // NORMAL, the writer flushing the log
        Assert.Equal(0L, autoCheckpoint); // and checkpointing it on a thread of its own, not in a COMMIT
        // The log as SQLite names it (its temporary directory's links resolved), found open while the connection was.
        Assert.Equal(Path.GetFileName(wal) + "-wal", Path.GetFileName(log));
        Assert.Equal((null, 2L, 1000L), await DeferredSyncOfAsync(journal)); // FULL, as the writer's setup leaves it; SQLite's checkpoints
    }

    [Fact]
    public async Task A_batch_is_answered_only_after_a_flush_that_began_after_it_and_one_flush_covers_every_batch_waiting()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var flushing = new SemaphoreSlim(0);
        var mayEnd = new SemaphoreSlim(0);
        var flushes = 0;
        var stopped = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flusher = new LogFlusher(
            () =>
            {
                Interlocked.Increment(ref flushes);
                flushing.Release();
                if (!mayEnd.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("The test did not let the flush end.");
                }
            },
            (_, exception) => stopped.TrySetResult(exception),
            new DatabaseMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Assert.True(flusher.Enqueue(first.SetResult, isBatch: true));
        Assert.True(await flushing.WaitAsync(TimeSpan.FromSeconds(30))); // the first flush runs
        // Handed over while it runs: not covered by it, whatever it wrote.
        Assert.True(flusher.Enqueue(second.SetResult, isBatch: true));
        Assert.True(flusher.Enqueue(third.SetResult, isBatch: false));
        Assert.False(first.Task.IsCompleted);

        mayEnd.Release();
        await first.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await flushing.WaitAsync(TimeSpan.FromSeconds(30))); // the second flush, for both batches
        Assert.False(second.Task.IsCompleted);
        Assert.False(third.Task.IsCompleted);

        mayEnd.Release();
        await Task.WhenAll(second.Task, third.Task).WaitAsync(TimeSpan.FromSeconds(30));
        await flusher.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, flushes);
        Assert.False(stopped.Task.IsCompleted);
        Assert.False(flusher.Enqueue(() => { }, isBatch: false)); // stopped: nothing more is taken
    }

    [Fact]
    public async Task A_flush_that_fails_stops_the_process_and_answers_no_batch_waiting_for_it()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var stopped = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var flusher = new LogFlusher(
            () => throw new IOException("Input/output error"),
            (_, exception) => stopped.SetResult(exception),
            new DatabaseMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
        var answered = 0;

        Assert.True(flusher.Enqueue(() => Interlocked.Increment(ref answered), isBatch: true));

        Assert.IsType<IOException>(await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        // Nothing more is taken, and nothing waiting for a flush is told one happened.
        Assert.True(SpinWait.SpinUntil(() => !flusher.Enqueue(() => Interlocked.Increment(ref answered), isBatch: false), TimeSpan.FromSeconds(30)));
        Assert.False(flusher.Stopped.IsCompleted);
        Assert.Equal(0, answered);
    }

    [Fact]
    public async Task The_log_is_flushed_where_it_is_and_a_missing_one_is_not_taken_for_it()
    {
        var file = await DatabaseAsync("flushed.db", "wal");
        // A connection holds the database open, as the writer's does: SQLite keeps its log meanwhile.
        await using var holder = new SqliteConnection($"Data Source={file};Pooling=False");
        await holder.OpenAsync();
        await using (var read = holder.CreateCommand())
        {
            read.CommandText = "SELECT COUNT(*) FROM written;";
            await read.ExecuteScalarAsync(); // reading is what opens the log
        }

        using (var log = WriteAheadLog.Open((await DeferredSyncOfAsync(file)).Log!))
        {
            Assert.NotNull(log);
            log.Flush();
        }

        // No log where one was looked for: none to flush, and the writer's connection stays at FULL.
        Assert.Null(WriteAheadLog.Open(Path.Combine(_work.FullName, "none.db-wal")));
    }

    private async Task<string> DatabaseAsync(string name, string journalMode)
    {
        var file = Path.Combine(_work.FullName, name);
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA journal_mode={journalMode}; CREATE TABLE written (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);";
        await command.ExecuteNonQueryAsync();
        return file;
    }

    /// <summary>The API's SQLite database at <paramref name="file"/>, as its configuration names it.</summary>
    internal static JobDatabase Database(string file) => JobDatabase.From(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ApplicationServiceExtensions.DatabaseConnectionName}"] = $"Data Source={file}",
        })
        .Build());

    private static async Task<(string? Log, long Synchronous, long AutoCheckpoint)> DeferredSyncOfAsync(string file)
    {
        var database = Database(file);
        await using var connection = (SqliteConnection)database.NewConnection();
        await connection.OpenAsync();
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = database.WriterConnectionSetup;
            await setup.ExecuteNonQueryAsync();
        }

        using var log = await database.DeferLogSyncAsync(connection, CancellationToken.None);
        await using var query = connection.CreateCommand();
        query.CommandText = "PRAGMA synchronous;";
        var synchronous = (long)(await query.ExecuteScalarAsync())!;
        query.CommandText = "PRAGMA wal_autocheckpoint;";
        return (log?.Path, synchronous, (long)(await query.ExecuteScalarAsync())!);
    }

    /// <summary>Writes from many callers at once through a started writer, then stops it; what its meter recorded.</summary>
    private static async Task<RecordedMeasurements> WriteConcurrentlyAsync(string file, int writes)
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var recorded = new RecordedMeasurements(meters);
        var writer = new DatabaseWriter(
            new DatabaseWriteGate(), new DatabaseWriterOptions(Database(file), recorder: null, NullLoggerFactory.Instance),
            new WebhookSignal(), new DatabaseMetrics(meters), NullLogger<DatabaseWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, writes).Select(write => Task.Run(() => writer.WriteAsync(
                async (db, cancellationToken) => await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"write {write}"})", cancellationToken),
                CancellationToken.None)))).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }

        recorded.Dispose();
        return recorded;
    }

    private static async Task<long> CountRowsAsync(string file)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM written;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The values each instrument of one factory's meters recorded while this listened (not another test's).</summary>
    private sealed class RecordedMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value)> _values = new();

        public RecordedMeasurements(IMeterFactory meters)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _values.Enqueue((instrument.Name, value)));
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _values.Enqueue((instrument.Name, value)));
            _listener.Start();
        }

        public int Count(string instrument) => _values.Count(value => value.Instrument == instrument);

        public double Sum(string instrument) => _values.Where(value => value.Instrument == instrument).Sum(value => value.Value);

        public void Dispose() => _listener.Dispose();
    }
}
