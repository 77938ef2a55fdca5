using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Extensions;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.Tests.Support;

/// <summary>
/// Schemas of their own in the system's PostgreSQL database, as new databases would be, so a test's tables and rows meet
/// no other test's (nor the running API's outbox dispatcher); and the API's database writer on one.
/// </summary>
internal static class PostgreSqlSchemas
{
    /// <summary>A new schema, made by <c>CREATE SCHEMA</c> and then <paramref name="tables"/> (SQL run with it first on the search path); its connection string.</summary>
    public static async Task<string> NewAsync(DistributedApplication app, string prefix, string? tables = null)
    {
        var server = await app.GetConnectionStringAsync("jobs") ?? throw new InvalidOperationException("The system has no jobs database.");
        var schema = $"{prefix}_{Guid.NewGuid():N}";
        await ExecuteAsync(server, $"CREATE SCHEMA {schema}");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { SearchPath = schema }.ConnectionString;
        if (tables is not null)
        {
            await ExecuteAsync(connectionString, tables);
        }

        return connectionString;
    }

    /// <summary>A new schema (<see cref="NewAsync"/>) with the job database's tables, as the migrations make them, then <paramref name="then"/> run in it.</summary>
    public static async Task<string> MigratedAsync(DistributedApplication app, string prefix, string? then = null)
    {
        var connectionString = await NewAsync(app, prefix);
        await using var db = ContextAt(connectionString);
        await db.Database.MigrateAsync();
        if (then is not null)
        {
            await db.Database.ExecuteSqlRawAsync(then);
        }

        return connectionString;
    }

    /// <summary>Removes the schema of <paramref name="connectionString"/> (its search path, one made by <see cref="NewAsync"/>), whatever a test left in it.</summary>
    public static Task DropAsync(string connectionString)
    {
        var schema = new NpgsqlConnectionStringBuilder(connectionString).SearchPath;
        // Never a search path of several schemas, or one of the database's own (public): only a test's.
        if (schema is null || !Regex.IsMatch(schema, "^[a-z]+_[0-9a-f]{32}$"))
        {
            throw new ArgumentException($"'{schema}' is not a schema made by {nameof(NewAsync)}.", nameof(connectionString));
        }

        return DropThenClosePoolsAsync(connectionString, schema);
    }

    /// <summary>
    /// Drops the schema, then closes the idle connections this process pooled (its own and the writer's, whose connection
    /// string differs: JobDatabase): a dropped schema's pools are never used again, and left to Npgsql's idle lifetime (5
    /// minutes) the tests' pools add up past the server's max_connections. Busy connections close when returned.
    /// </summary>
    private static async Task DropThenClosePoolsAsync(string connectionString, string schema)
    {
        await ExecuteAsync(connectionString, $"DROP SCHEMA IF EXISTS {schema} CASCADE");
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>The job database as the API reads it from its configuration: PostgreSQL at <paramref name="connectionString"/>.</summary>
    private static JobDatabase DatabaseAt(string connectionString) => JobDatabase.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        [$"ConnectionStrings:{ApplicationServiceExtensions.DatabaseConnectionName}"] = connectionString,
        [JobDatabase.ProviderSetting] = nameof(DatabaseProvider.PostgreSQL),
    }).Build());

    /// <summary>A context of the jobs database on <paramref name="connectionString"/>'s schema, outside the API's writer (a test's own reads and writes).</summary>
    public static PostgreSqlJobsDbContext ContextAt(string connectionString) => new(
        new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql(connectionString).Options, new DatabaseWriteGate());

    /// <summary>The API's database writer on <paramref name="connectionString"/>'s schema (not started).</summary>
    public static DatabaseWriter WriterAt(string connectionString, IMeterFactory meters)
    {
        var database = DatabaseAt(connectionString);
        return new DatabaseWriter(
            DatabaseWriteGate.For(database), new DatabaseWriterOptions(database, recorder: null, NullLoggerFactory.Instance),
            new WebhookSignal(), new DatabaseMetrics(meters), NullLogger<DatabaseWriter>.Instance);
    }

    /// <summary>Runs <paramref name="writes"/> with the API's database writer started on <paramref name="connectionString"/>'s schema, and stops it (its queued writes committed).</summary>
    public static Task<T> WithWriterAsync<T>(string connectionString, Func<DatabaseWriter, Task<T>> writes) =>
        WithWriterAsync(connectionString, (writer, _) => writes(writer));

    /// <summary>As <see cref="WithWriterAsync{T}(string, Func{DatabaseWriter, Task{T}})"/>, <paramref name="writes"/> given the writer's meters' factory (its measurements, no other's).</summary>
    public static async Task<T> WithWriterAsync<T>(string connectionString, Func<DatabaseWriter, IMeterFactory, Task<T>> writes)
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var writer = WriterAt(connectionString, meters);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            return await writes(writer, meters);
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
