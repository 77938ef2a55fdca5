using Aspire.Hosting.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;
using VideoConversion.Api.Webhooks;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// The database writer on the system's PostgreSQL server, where each write is a transaction of its own with no savepoint:
/// a write undone is its whole transaction undone, and one run again runs in a new one.
/// </summary>
[Collection(PostgreSqlSystem.Name)]
public sealed class WriterOnPostgreSqlTests(PostgreSqlSystemFixture system)
{
    [Theory]
    // What EF throws when a row it saves changed since it was read (another replica's write): run again in a new transaction.
    [InlineData("concurrent change")]
    // The server's answer to the transaction it chose to abort in a deadlock: run again on the lane's next turn.
    [InlineData("deadlock")]
    public async Task A_write_that_met_another_writer_runs_again_its_first_run_undone(string met)
    {
        await using var writer = await WriterAsync();
        var runs = 0;

        var answer = await writer.Writer.WriteAsync(async (db, cancellationToken) =>
        {
            var run = Interlocked.Increment(ref runs);
            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"run {run}"})", cancellationToken);
            return run == 1 ? throw Met(met) : run;
        }, CancellationToken.None);

        Assert.Equal(2, answer);
        Assert.Equal(["run 2"], await writer.PayloadsAsync());
    }

    private static Exception Met(string met) => met == "deadlock"
        ? new PostgresException("deadlock detected (the test's)", "ERROR", "ERROR", "40P01")
        : new DbUpdateConcurrencyException("Changed since it was read (the test's).");

    [Fact]
    public async Task A_failing_write_is_undone_whole_and_fails_alone_and_the_writes_beside_it_commit()
    {
        await using var writer = await WriterAsync();

        // Many at once over the writer's lanes, every tenth refused after its insert.
        var writes = Enumerable.Range(0, 100).Select(index => writer.Writer.WriteAsync(async (db, cancellationToken) =>
        {
            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"write {index}"})", cancellationToken);
            return index % 10 == 0 ? throw new InvalidOperationException($"Refused (the test's): {index}.") : index;
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(writes).ContinueWith(_ => { }, TaskScheduler.Default);

        var refused = writes.Where(write => write.IsFaulted).ToList();
        Assert.Equal(10, refused.Count);
        Assert.All(refused, write => Assert.IsType<InvalidOperationException>(write.Exception!.InnerException));
        Assert.Equal(
            Enumerable.Range(0, 100).Where(index => index % 10 != 0).Select(index => $"write {index}").Order(StringComparer.Ordinal),
            (await writer.PayloadsAsync()).Order(StringComparer.Ordinal));
    }

    /// <summary>A writer started on a schema of its own in the system's PostgreSQL database, with one table.</summary>
    private async Task<StartedWriter> WriterAsync()
    {
        var schema = $"writer_{Guid.NewGuid():N}";
        var server = await system.App.GetConnectionStringAsync("jobs") ?? throw new InvalidOperationException("The system has no jobs database.");
        await ExecuteAsync(server, $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.written (payload text NOT NULL);");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
        var database = JobDatabase.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ApplicationServiceExtensions.DatabaseConnectionName}"] = connectionString,
            [JobDatabase.ProviderSetting] = nameof(DatabaseProvider.PostgreSQL),
        }).Build());
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var writer = new DatabaseWriter(
            DatabaseWriteGate.For(database), new DatabaseWriterOptions(database, recorder: null, NullLoggerFactory.Instance),
            new WebhookSignal(), new DatabaseMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<DatabaseWriter>.Instance);
        var started = new StartedWriter(writer, connectionString, () => ExecuteAsync(server, $"DROP SCHEMA {schema} CASCADE"), services);
        try
        {
            await writer.StartAsync(CancellationToken.None);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <param name="connectionString">The writer's: its own schema.</param>
    /// <param name="dropSchema">Removes the schema, whatever the test left in it.</param>
    private sealed class StartedWriter(DatabaseWriter writer, string connectionString, Func<Task> dropSchema, ServiceProvider services) : IAsyncDisposable
    {
        public DatabaseWriter Writer => writer;

        /// <summary>What the table holds, read on a connection of its own: what was committed.</summary>
        public async Task<List<string>> PayloadsAsync()
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT payload FROM written ORDER BY payload", connection);
            await using var reader = await select.ExecuteReaderAsync();
            List<string> payloads = [];
            while (await reader.ReadAsync())
            {
                payloads.Add(reader.GetString(0));
            }

            return payloads;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
                writer.Dispose();
                await services.DisposeAsync();
            }
            finally
            {
                await dropSchema();
            }
        }
    }
}
