using Microsoft.Extensions.Configuration;

namespace VideoConversion.AppHost.Resources;

internal static class ServiceResourceExtensions
{
    /// <summary>Set by Aspire's testing builder (and isolated runs): proxied endpoints get random ports.</summary>
    private const string RandomizePortsSetting = "DcpPublisher:RandomizePorts";

    /// <summary>Pins the port users and scripts reach the service on; tests randomize it anyway.</summary>
    public static IResourceBuilder<ProjectResource> WithPublicPort(this IResourceBuilder<ProjectResource> builder, int port) =>
        builder.WithEndpoint("http", endpoint => endpoint.Port = port);

    /// <summary>
    /// The API's public port. One API process in a local run listens on it itself, without DCP's proxy in front of it:
    /// under the benchmark's API load on the 2-core machine the proxy took 12–27 % of a core from the API and its clients,
    /// and a cluster has no such hop (a Service routes in the kernel). Replicas keep the proxy: it spreads connections over
    /// them. Where the orchestrator randomizes ports (Aspire's testing builder, which randomizes proxied ones only), the
    /// port is left to it: it picks one in 10000-19999 (<see cref="AspirePortRange"/>) and probes it on every address, where a port picked
    /// here could be taken by another listener before the API, which starts last, binds it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPublicApiPort(
        this IResourceBuilder<ProjectResource> builder, AppHostSettings settings, IConfiguration configuration)
    {
        if (settings.IsPublishMode || settings.ApiReplicas > 1)
        {
            return builder.WithPublicPort(settings.ApiPort);
        }

        int? port = configuration.GetValue(RandomizePortsSetting, false) ? null : settings.ApiPort;
        return builder.WithEndpoint("http", endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.IsProxied = false;
        });
    }

    /// <summary>
    /// The port /metrics and the detailed /health answer on (Management__Port): Prometheus and the
    /// readiness check reach it, users never (it is not external, and nothing references it). It is not
    /// in ASPNETCORE_URLS (Aspire leaves endpoints with a port variable out); the service adds it itself.
    /// </summary>
    /// <param name="port">A fixed host port, for scripts; otherwise one is picked.</param>
    public static IResourceBuilder<ProjectResource> WithManagementEndpoint(
        this IResourceBuilder<ProjectResource> builder, AppHostSettings settings, int? port = null) =>
        builder
            // In the cluster every service's management port is the same one (manifests/); here each gets its own.
            .WithHttpEndpoint(port: settings.IsPublishMode ? null : port, targetPort: settings.IsPublishMode ? ManagementEndpoint.TargetPort : null,
                name: ManagementEndpoint.Name, env: ManagementEndpoint.PortVariable)
            .WithHttpHealthCheck("/health", endpointName: ManagementEndpoint.Name);

    /// <summary>Aspire's development switches that show URLs' query strings in spans (OpenTelemetry redacts them by default).</summary>
    private static readonly string[] UrlQueryRedactionSwitches =
        ["OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION", "OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION"];

    /// <summary>
    /// Aspire's development intervals: metrics collected and exported, and spans and logs sent, every second, so the dashboard
    /// shows them live. Without them the OpenTelemetry SDK's defaults apply, as in a deployment (metrics every 60 s, spans
    /// every 5 s): collecting every instrument each second took ~6 % of the API's CPU under the benchmark's load.
    /// </summary>
    private static readonly string[] DashboardExportIntervals = ["OTEL_METRIC_EXPORT_INTERVAL", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BLRP_SCHEDULE_DELAY"];

    /// <summary>
    /// A collector of the user's in place of the dashboard (<see cref="TelemetryDestination"/>): the services' OpenTelemetry
    /// exporters read the standard variables. With the dashboard, Aspire sets them itself; without either, none is set.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTelemetryTo(this IResourceBuilder<ProjectResource> builder, TelemetryDestination telemetry) =>
        (telemetry.Dashboard, telemetry.OtlpEndpoint) switch
        {
            (_, { } endpoint) => builder.WithEnvironment(context =>
            {
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint.ToString().TrimEnd('/');
                context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = telemetry.OtlpProtocol;
                // The dashboard's API key, which Aspire sets even when it does not run, is no business of another collector.
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_HEADERS");
                // Aspire's development default shows URLs' query strings in spans; those of presigned storage URLs are
                // signatures, and a collector keeps them. Redacted, as OpenTelemetry does by default.
                foreach (var variable in UrlQueryRedactionSwitches.Concat(DashboardExportIntervals))
                {
                    context.EnvironmentVariables.Remove(variable);
                }
            }),
            // Aspire points the services at the dashboard's address even when it does not run: every export would be refused.
            (false, null) => builder.WithEnvironment(context =>
            {
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
                context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_HEADERS");
            }),
            _ => builder,
        };

    /// <summary>
    /// The API alone owns the job database. SQLite (<paramref name="postgreSql"/> null) lives with the other host-run state;
    /// PostgreSQL comes as the "jobs" connection string, with Database__Provider telling the API which it is.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithJobDatabase(
        this IResourceBuilder<ProjectResource> builder, AppHostSettings settings, JobDatabase? postgreSql)
    {
        if (postgreSql is not null)
        {
            // No DataProtection__KeysDirectory: on PostgreSQL the API keeps its keys in the database, which every replica shares.
            builder
                .WithEnvironment("Database__Provider", "PostgreSQL")
                .WithReference(postgreSql.Connection, connectionName: JobDatabaseResources.ConnectionName);
            return postgreSql.Awaited is { } server ? builder.WaitFor(server) : builder;
        }

        if (settings.IsPublishMode)
        {
            return builder; // the deployment mounts a volume and sets the path itself
        }

        var directory = Path.Combine(settings.DataDirectory, "api");
        Directory.CreateDirectory(directory);
        return builder
            .WithEnvironment("ConnectionStrings__jobs", $"Data Source={Path.Combine(directory, "jobs.db")}")
            // The keys that protect sign-in tokens live with the accounts they sign in.
            .WithEnvironment("DataProtection__KeysDirectory", Path.Combine(directory, "keys"));
    }

    /// <summary>
    /// The service's own settings given to the AppHost: "VideoConversion:Api:Quotas:MaxActiveJobs=500" (on
    /// its command line or as VideoConversion__Api__Quotas__MaxActiveJobs) reaches the API as Quotas:MaxActiveJobs.
    /// </summary>
    /// <remarks>
    /// Only the service's own policy sections pass (<paramref name="sections"/>): what the AppHost wires
    /// itself (connection strings, credentials, key directories) cannot be replaced this way.
    /// </remarks>
    public static IResourceBuilder<ProjectResource> WithSettingsFrom(
        this IResourceBuilder<ProjectResource> builder, IConfiguration configuration, string section, params string[] sections)
    {
        foreach (var (key, value) in configuration.GetSection(section).AsEnumerable(makePathsRelative: true))
        {
            var top = key.Split(':')[0];
            if (value is null)
            {
                continue;
            }

            if (!sections.Contains(top, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"{section}:{key} cannot be set through the AppHost; settings of these sections can: {string.Join(", ", sections)}.");
            }

            builder.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
        }

        return builder;
    }

    /// <summary>The service's own broker user, as the "messaging" connection string it reads.</summary>
    public static IResourceBuilder<ProjectResource> WithMessaging(
        this IResourceBuilder<ProjectResource> builder, MessagingBroker messaging, string service) =>
        builder.WithReference(messaging.Users[service], connectionName: "messaging").WaitFor(messaging.Server);

    /// <summary>The service's own storage user, as the "storage" connection string it reads, once storage is prepared.</summary>
    public static IResourceBuilder<ProjectResource> WithStorage(
        this IResourceBuilder<ProjectResource> builder, ObjectStorage storage, string service)
    {
        builder.WithReference(storage.Users[service], connectionName: "storage").WaitFor(storage.Server);
        return storage.Setup is { } setup ? builder.WaitForCompletion(setup) : builder;
    }

    public static IResourceBuilder<ProjectResource> WithFFmpeg(this IResourceBuilder<ProjectResource> builder, AppHostSettings settings) =>
        builder
            .WithEnvironment("Conversion__FFmpegPath", settings.FFmpegPath)
            .WithEnvironment("Conversion__FFprobePath", settings.FFprobePath);
}
