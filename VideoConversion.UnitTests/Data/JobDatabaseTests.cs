using Microsoft.Extensions.Configuration;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;

namespace VideoConversion.UnitTests.Data;

/// <summary>What the API asks of every PostgreSQL session, whatever the operator's connection string, and what it leaves to the operator.</summary>
public sealed class JobDatabaseTests
{
    [Theory]
    [InlineData("Host=db;Database=jobs;Username=api", JobDatabase.AutoPreparedStatements)]
    // The operator's own, in any case or spacing Npgsql reads: 0 behind a proxy that does not keep prepared statements.
    [InlineData("Host=db;Database=jobs;Username=api;Max Auto Prepare=0", 0)]
    [InlineData("Host=db;Database=jobs;Username=api;maxautoprepare=12", 12)]
    public void Statements_are_prepared_on_each_connection_unless_the_operator_says_otherwise(string given, int prepared)
    {
        var session = new NpgsqlConnectionStringBuilder(PostgreSql(given).ConnectionString);

        Assert.Equal(prepared, session.MaxAutoPrepare);
        // The session limits are there either way.
        Assert.Contains("idle_in_transaction_session_timeout=120000", session.Options, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sqlite_connection_string_is_left_as_given()
    {
        var sqlite = JobDatabase.From(Configuration("Data Source=/data/jobs.db", provider: null));

        Assert.Equal("Data Source=/data/jobs.db", sqlite.ConnectionString);
    }

    private static JobDatabase PostgreSql(string connectionString) => JobDatabase.From(Configuration(connectionString, nameof(DatabaseProvider.PostgreSQL)));

    private static IConfiguration Configuration(string connectionString, string? provider) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        [$"ConnectionStrings:{ApplicationServiceExtensions.DatabaseConnectionName}"] = connectionString,
        [JobDatabase.ProviderSetting] = provider,
    }).Build();
}
