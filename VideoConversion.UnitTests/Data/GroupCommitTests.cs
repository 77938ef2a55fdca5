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

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task In_wal_mode_every_batch_is_answered_after_a_flush_of_the_log_and_every_write_is_kept()
    {
        var file = await DatabaseAsync("jobs.db", "wal");
        var recorded = await WriteConcurrentlyAsync(file, writes: 200);

        // Every write answered is in the database, read on another connection.
        Assert.Equal(200, await CountRowsAsync(file));
        Assert.Equal(200, recorded.Sum("videoconversion.database.batch.writes"));
        // Each batch committed went through exactly one flush of the log: flushes took every batch handed over.
        Assert.Equal(recorded.Count("videoconversion.database.batch.writes"), recorded.Sum("videoconversion.database.flush.batches"));
        Assert.True(recorded.Count("videoconversion.database.flush.duration") >= 1);
    }

    [Fact]
    public async Task With_a_rollback_journal_commits_are_synced_by_sqlite_and_nothing_waits_for_a_flush()
    {
        var file = await DatabaseAsync("journal.db", "delete");
        var recorded = await WriteConcurrentlyAsync(file, writes: 50);

        Assert.Equal(50, await CountRowsAsync(file));
        Assert.Equal(0, recorded.Count("videoconversion.database.flush.duration"));
    }

    [Fact]
    public async Task The_writers_connection_commits_without_syncing_only_in_wal_mode()
    {
        var wal = await DatabaseAsync("wal.db", "wal");
        var journal = await DatabaseAsync("journal.db", "delete");

        Assert.Equal((wal + "-wal", 1L), await DeferredSyncOfAsync(wal)); // NORMAL, the writer flushing the log
        Assert.Equal((null, 2L), await DeferredSyncOfAsync(journal)); // FULL, as the writer's setup leaves it
    }

    [Fact]
    public async Task A_log_that_cannot_be_flushed_fails_every_batch_waiting_for_it_and_a_missing_log_needs_none()
    {
        // A directory where the log should be: opening it to flush fails, as a disk that refuses the flush would.
        var unflushable = Directory.CreateDirectory(Path.Combine(_work.FullName, "unflushable.db-wal")).FullName;
        var outcomes = await FlushAsync(new WriteAheadLog(unflushable), batches: 3);
        Assert.All(outcomes, outcome => Assert.IsType<IOException>(outcome));
        Assert.All(outcomes, outcome => Assert.Contains("could not be flushed to disk", outcome!.Message));

        // SQLite removed the log after checkpointing it into the (synced) database file: nothing is left to flush.
        outcomes = await FlushAsync(new WriteAheadLog(Path.Combine(_work.FullName, "gone.db-wal")), batches: 2);
        Assert.All(outcomes, Assert.Null);
    }

    private static async Task<List<Exception?>> FlushAsync(WriteAheadLog log, int batches)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var flusher = new LogFlusher(log, new DatabaseMetrics(services.GetRequiredService<IMeterFactory>()), NullLogger.Instance);
        var outcomes = new ConcurrentQueue<Exception?>();
        for (var batch = 0; batch < batches; batch++)
        {
            flusher.Enqueue(outcomes.Enqueue);
        }

        // Stopping answers what was handed over before it.
        await flusher.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(batches, outcomes.Count);
        return [.. outcomes];
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

    private static JobDatabase Database(string file) => JobDatabase.From(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ApplicationServiceExtensions.DatabaseConnectionName}"] = $"Data Source={file}",
        })
        .Build());

    private static async Task<(string? Log, long Synchronous)> DeferredSyncOfAsync(string file)
    {
        var database = Database(file);
        await using var connection = (SqliteConnection)database.NewConnection();
        await connection.OpenAsync();
        await using (var setup = connection.CreateCommand())
        {
            setup.CommandText = database.WriterConnectionSetup;
            await setup.ExecuteNonQueryAsync();
        }

        var log = await database.DeferLogSyncAsync(connection, CancellationToken.None);
        await using var query = connection.CreateCommand();
        query.CommandText = "PRAGMA synchronous;";
        return (log?.Path, (long)(await query.ExecuteScalarAsync())!);
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
                CancellationToken.None))));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
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
