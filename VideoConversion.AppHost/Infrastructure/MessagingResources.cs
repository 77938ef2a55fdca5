using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace VideoConversion.AppHost.Infrastructure;

internal static class MessagingResources
{
    /// <summary>
    /// Long conversions must not be handed to a second worker: RabbitMQ's consumer timeout
    /// (30 minutes by default) must exceed the longest time a worker may hold a job. Keep it
    /// equal to the services' MessagingTopology.ConsumerTimeout, which a test holds above the
    /// worker's limits.
    /// </summary>
    private const long ConsumerTimeoutMilliseconds = 4L * 60 * 60 * 1000;

    private static readonly string ConsumerTimeoutErlangArgument =
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"-rabbit consumer_timeout {ConsumerTimeoutMilliseconds}");

    public static IResourceBuilder<IResourceWithConnectionString> AddMessagingBroker(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        var userName = builder.AddParameter($"{name}-username", "videoconversion");
        var password = builder.AddParameter(
            $"{name}-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

        if (settings.Mode == InfrastructureMode.Container)
        {
            return builder.AddRabbitMQ(name, userName, password)
                .WithManagementPlugin()
                .WithDataVolume()
                .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", ConsumerTimeoutErlangArgument);
        }

        return builder.AddRabbitMQExecutable(name, settings, userName.Resource, password.Resource);
    }

    private static IResourceBuilder<RabbitMQExecutableResource> AddRabbitMQExecutable(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings,
        ParameterResource userName, ParameterResource password)
    {
        var dataDirectory = Path.Combine(settings.DataDirectory, name);
        var homeDirectory = Path.Combine(dataDirectory, "home");
        Directory.CreateDirectory(homeDirectory); // Erlang writes its cookie here
        var ports = new BrokerPorts(FreeTcpPort.Next(), FreeTcpPort.Next(), FreeTcpPort.Next(), FreeTcpPort.Next());
        var configFile = Path.Combine(dataDirectory, "rabbitmq.conf");
        var pluginsFile = Path.Combine(dataDirectory, "enabled_plugins");

        var resource = new RabbitMQExecutableResource(name, settings.RabbitMQServerPath, dataDirectory, userName, password);
        var healthCheckKey = $"{name}-amqp";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new AmqpHealthCheck(resource), failureStatus: null, tags: null));

        // The credentials are only known once parameters resolve, so the config file is written just before start.
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (_, cancellationToken) =>
        {
            var config = BrokerConfig(ports,
                await userName.GetValueAsync(cancellationToken) ?? "",
                await password.GetValueAsync(cancellationToken) ?? "");
            // Owner-only from the moment it exists: it holds the password.
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var writer = new StreamWriter(configFile, options))
            {
                await writer.WriteAsync(config.AsMemory(), cancellationToken);
            }

            await File.WriteAllTextAsync(pluginsFile, "[rabbitmq_management,rabbitmq_prometheus].\n", cancellationToken);
        });

        return builder.AddResource(resource)
            .WithEndpoint(targetPort: ports.Amqp, name: RabbitMQExecutableResource.AmqpEndpointName)
            .WithHttpEndpoint(targetPort: ports.Management, name: RabbitMQExecutableResource.ManagementEndpointName)
            .WithEnvironment("HOME", homeDirectory) // its own Erlang cookie, apart from any system RabbitMQ
            .WithEnvironment("RABBITMQ_NODENAME", NodeName(dataDirectory))
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(dataDirectory, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(dataDirectory, "log"))
            .WithEnvironment("RABBITMQ_CONFIG_FILE", configFile)
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", pluginsFile)
            // The default distribution port (AMQP port + 20000) overflows for high ports.
            .WithEnvironment("RABBITMQ_DIST_PORT", ports.Distribution.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithHealthCheck(healthCheckKey);
    }

    private static string BrokerConfig(BrokerPorts ports, string userName, string password) => $"""
        listeners.tcp.1 = 127.0.0.1:{ports.Amqp}
        management.tcp.ip = 127.0.0.1
        management.tcp.port = {ports.Management}
        prometheus.tcp.ip = 127.0.0.1
        prometheus.tcp.port = {ports.Prometheus}
        default_user = {userName}
        default_pass = {password}
        loopback_users = none
        consumer_timeout = {ConsumerTimeoutMilliseconds}
        log.console = true
        log.console.level = warning
        log.file = false
        """;

    /// <summary>A node name per data directory, so several checkouts or test runs can run side by side.</summary>
    private static string NodeName(string dataDirectory)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(dataDirectory)))[..10];
        return $"videoconversion-{hash}@localhost";
    }

    private sealed record BrokerPorts(int Amqp, int Management, int Prometheus, int Distribution);

    private sealed class AmqpHealthCheck(RabbitMQExecutableResource resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                var factory = new ConnectionFactory { Uri = new Uri(connectionString!) };
                await using var connection = await factory.CreateConnectionAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("RabbitMQ does not accept AMQP connections yet.", exception);
            }
        }
    }
}
