using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>The API's job database when it is PostgreSQL (<see cref="DatabaseMode"/>); SQLite needs no resource.</summary>
internal static class JobDatabaseResources
{
    /// <summary>The connection string's name, ConnectionStrings:jobs, which the API reads; also the database resource's name.</summary>
    public const string ConnectionName = "jobs";

    /// <summary>The server's resource name, and its directory in the data directory when it runs on the host.</summary>
    public const string ServerName = "postgres";

    /// <returns>Null with SQLite: the API keeps its file and the AppHost runs nothing for it.</returns>
    public static JobDatabase? AddJobDatabase(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        switch (settings.Database)
        {
            case DatabaseMode.Sqlite:
                return null;
            case DatabaseMode.External:
                // ConnectionStrings:jobs of the AppHost's own configuration (AppHostSettings refuses a run without it).
                return new JobDatabase(builder.AddConnectionString(ConnectionName), Awaited: null);
        }

        // The password the API signs in with: the container's superuser's, the host-run server's application role's.
        var password = builder.AddParameter($"{ServerName}-password",
            new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
        if (settings.Mode == InfrastructureMode.Container)
        {
            var database = builder.AddPostgres(ServerName, password: password)
                .WithDataVolume(settings.IsPublishMode ? null : VolumeName(settings))
                .WithArgs("-c", $"max_connections={MaxConnections(settings).ToString(CultureInfo.InvariantCulture)}")
                .AddDatabase(ConnectionName);
            return new JobDatabase(database, database);
        }

        return builder.AddPostgreSQLExecutable(settings, password.Resource);
    }

    /// <summary>
    /// Every API replica may fill its requests' connection pool (Npgsql's default Maximum Pool Size is 100) beside its
    /// database writer's 12 connections (a pool of their own) without the server refusing connections, with room left for
    /// health checks and an operator's psql. PostgreSQL's own default is 100.
    /// </summary>
    private static int MaxConnections(AppHostSettings settings) => ((100 + 12) * settings.ApiReplicas) + 20;

    /// <summary>
    /// One volume per data directory, as each data directory has its own SQLite file: a test's system starts on an empty
    /// database, and two checkouts keep their jobs apart. A test run on Docker leaves its volume behind (docker volume prune).
    /// The server keeps the password it was first given: a volume outlives regenerated user secrets only by being removed.
    /// </summary>
    private static string VolumeName(AppHostSettings settings) =>
        $"videoconversion-{ServerName}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(settings.DataDirectory)))[..10]}";

    private static JobDatabase AddPostgreSQLExecutable(this IDistributedApplicationBuilder builder, AppHostSettings settings, ParameterResource password)
    {
        var account = PostgreSQLServerAccount.ForThisProcess();
        var cluster = new PostgreSQLCluster(settings, account, Path.Combine(settings.DataDirectory, ServerName));
        Directory.CreateDirectory(cluster.ServerDirectory); // the server's working directory, which must exist when DCP starts it
        var port = FreeTcpPort.Next();
        var (command, arguments) = account.Command(Path.Combine(settings.PostgreSQLBinDirectory, PostgreSQLPrograms.Server),
            [
                "-D", cluster.DataDirectory,
                "-p", port.ToString(CultureInfo.InvariantCulture),
                "-c", "listen_addresses=127.0.0.1",
                // No Unix socket: its path would have to fit in 107 bytes and lie in a directory the server may write,
                // and nothing uses it (the services and the health check come over TCP, the set-up runs before the server).
                "-c", "unix_socket_directories=",
                "-c", $"max_connections={MaxConnections(settings).ToString(CultureInfo.InvariantCulture)}",
            ]);

        var healthCheckKey = $"{ServerName}-sql";
        // Not proxied: the API's every query would otherwise pass through DCP's proxy, and the benchmarks measure the
        // write path against SQLite, which has none. The port is the AppHost's pick (FreeTcpPort), given to the server.
        var server = builder.AddResource(new PostgreSQLExecutableResource(ServerName, command, cluster.ServerDirectory))
            .WithArgs(arguments.ToArray())
            .WithEndpoint(port: port, targetPort: port, name: PostgreSQLExecutableResource.EndpointName, isProxied: false)
            .WithHealthCheck(healthCheckKey);
        var database = builder.AddResource(new PostgreSQLDatabaseResource(ConnectionName, server.Resource, password));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new PostgreSQLHealthCheck(database.Resource), failureStatus: null, tags: null));

        // The password is only known once parameters resolve, so the cluster is made (or its role's password set) just before start.
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server.Resource, async (_, cancellationToken) =>
            await cluster.PrepareAsync(
                await password.GetValueAsync(cancellationToken) ?? throw new InvalidOperationException($"The parameter '{password.Name}' has no value."),
                cancellationToken));

        return new JobDatabase(database, server);
    }
}
