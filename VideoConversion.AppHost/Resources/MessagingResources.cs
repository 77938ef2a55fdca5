using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;
using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

internal static class MessagingResources
{
    /// <summary>
    /// Long conversions must not be handed to a second worker: RabbitMQ's consumer timeout
    /// (30 minutes by default) must exceed the longest time a worker may hold a job. The value is
    /// the cluster's (see <see cref="BrokerConfiguration"/>); a test holds it above the worker's limits.
    /// </summary>
    private static string ConsumerTimeoutErlangArgument(AppHostSettings settings) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"-rabbit consumer_timeout {ConsumerTimeoutMilliseconds(settings)}");

    private static long ConsumerTimeoutMilliseconds(AppHostSettings settings) =>
        (long)BrokerConfiguration.ConsumerTimeout(settings.RepositoryRoot).TotalMilliseconds;

    public static MessagingBroker AddMessagingBroker(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        // The operator's administrator (management UI, health check); services get users of their own.
        var userName = builder.AddParameter($"{name}-username", "videoconversion");
        var password = Password(builder, $"{name}-password");

        // The broker's users and their permissions, imported at every boot.
        var definitionsFile = Path.Combine(settings.DataDirectory, name, "definitions.json");
        IResourceBuilder<IResourceWithConnectionString> server;
        if (settings.Mode == InfrastructureMode.Container)
        {
            var container = builder.AddRabbitMQ(name, userName, password)
                .WithManagementPlugin()
                .WithHttpEndpoint(targetPort: 15692, name: PrometheusEndpointName)
                .WithDataVolume();
            if (settings.IsPublishMode)
            {
                container.WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", ConsumerTimeoutErlangArgument(settings));
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(definitionsFile)!);
                container
                    .WithBindMount(definitionsFile, ContainerDefinitionsPath, isReadOnly: true)
                    .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                        $"{ConsumerTimeoutErlangArgument(settings)} -rabbit load_definitions \"{ContainerDefinitionsPath}\"");
            }

            server = container;
        }
        else
        {
            server = builder.AddRabbitMQExecutable(name, settings, userName.Resource, password.Resource, definitionsFile);
        }

        var users = ServiceIdentity.OnTheBroker.ToDictionary(service => service, service =>
            builder.AddResource(new BrokerUserResource(
                $"{name}-{service}", (IResourceWithEndpoints)server.Resource, Password(builder, $"{name}-{service}-password").Resource,
                BrokerGrant.For(service))));

        if (!settings.IsPublishMode)
        {
            // Passwords are only known once parameters resolve, so the file is written just before start.
            builder.Eventing.Subscribe<BeforeResourceStartedEvent>(server.Resource, async (_, cancellationToken) =>
            {
                List<(BrokerGrant, string)> services = [];
                foreach (var user in users.Values)
                {
                    services.Add((user.Resource.Grant, await user.Resource.Password.GetValueAsync(cancellationToken) ?? ""));
                }

                var definitions = BrokerDefinitions.Json(
                    await userName.Resource.GetValueAsync(cancellationToken) ?? "",
                    await password.Resource.GetValueAsync(cancellationToken) ?? "",
                    services);
                // The container's broker runs as another user and must read it; its directory is the owner's alone.
                await SecretFiles.WriteAsync(definitionsFile, definitions, readableByOthers: settings.Mode == InfrastructureMode.Container, cancellationToken);
            });
        }

        return new MessagingBroker(server, users);
    }

    /// <summary>The Prometheus plugin's endpoint (per-queue numbers at /metrics/detailed), as the cluster's Service names it.</summary>
    public const string PrometheusEndpointName = "prometheus";

    /// <summary>Where the container reads the definitions file.</summary>
    private const string ContainerDefinitionsPath = "/etc/rabbitmq/videoconversion-definitions.json";

    private static IResourceBuilder<ParameterResource> Password(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

    private static IResourceBuilder<RabbitMQExecutableResource> AddRabbitMQExecutable(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings,
        ParameterResource userName, ParameterResource password, string definitionsFile)
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

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (_, cancellationToken) =>
        {
            await File.WriteAllTextAsync(configFile, BrokerConfig(ports, definitionsFile, ConsumerTimeoutMilliseconds(settings)), cancellationToken);
            await File.WriteAllTextAsync(pluginsFile, "[rabbitmq_management,rabbitmq_prometheus].\n", cancellationToken);
        });

        return builder.AddResource(resource)
            .WithEndpoint(targetPort: ports.Amqp, name: RabbitMQExecutableResource.AmqpEndpointName)
            .WithHttpEndpoint(targetPort: ports.Management, name: RabbitMQExecutableResource.ManagementEndpointName)
            .WithHttpEndpoint(targetPort: ports.Prometheus, name: PrometheusEndpointName)
            .WithEnvironment("HOME", homeDirectory) // its own Erlang cookie, apart from any system RabbitMQ
            .WithEnvironment("RABBITMQ_NODENAME", NodeName(dataDirectory))
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(dataDirectory, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(dataDirectory, "log"))
            .WithEnvironment("RABBITMQ_CONFIG_FILE", configFile)
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", pluginsFile)
            // The default distribution port (AMQP port + 20000) would fall in the kernel's ephemeral range: picked too.
            .WithEnvironment("RABBITMQ_DIST_PORT", ports.Distribution.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithHealthCheck(healthCheckKey);
    }

    private static string BrokerConfig(BrokerPorts ports, string definitionsFile, long consumerTimeoutMilliseconds) => $"""
        listeners.tcp.1 = 127.0.0.1:{ports.Amqp}
        management.tcp.ip = 127.0.0.1
        management.tcp.port = {ports.Management}
        prometheus.tcp.ip = 127.0.0.1
        prometheus.tcp.port = {ports.Prometheus}
        load_definitions = {definitionsFile}
        loopback_users = none
        consumer_timeout = {consumerTimeoutMilliseconds}
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
