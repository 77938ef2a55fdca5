using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The host-run server is healthy once the application role can sign in to the job database and run a query there:
/// the set-up before the start has made both, so this is what the API needs and nothing less.
/// </summary>
/// <remarks>Npgsql comes with Aspire.Hosting.PostgreSQL, whose own health check for the container uses it.</remarks>
internal sealed class PostgreSQLHealthCheck(PostgreSQLDatabaseResource database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var value = await database.ConnectionStringExpression.GetValueAsync(cancellationToken)
                ?? throw new InvalidOperationException("The job database has no connection string yet.");
            var connectionString = new NpgsqlConnectionStringBuilder(value)
            {
                // A pooled connection would stay open between checks, and PostgreSQL's shutdown on SIGTERM (what the
                // AppHost sends) waits for every session to end: each check opens its own and closes it.
                Pooling = false,
                Timeout = 5,
            };
            await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not accept the application role's connections yet.", exception);
        }
    }
}
