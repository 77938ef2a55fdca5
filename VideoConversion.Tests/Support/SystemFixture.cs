using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Support;

/// <summary>
/// The whole system, started once for a test collection through the real AppHost: RabbitMQ,
/// S3-compatible storage, the API, the worker with FFmpeg, and the web front end. Each run
/// gets its own data directory and random ports, so it never meets another run's state.
/// The services export their traces and logs over OTLP to <see cref="Telemetry"/>.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("videoconversion-tests-").FullName;
    private DistributedApplication? _app;

    public HttpClient Api { get; private set; } = null!;

    /// <summary>The running AppHost: its resources' connection strings and processes.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("The system has not started.");

    /// <summary>The worker's own HTTP endpoint: health and /metrics.</summary>
    public HttpClient Worker { get; private set; } = null!;

    /// <summary>Every span and log record the services exported during the run.</summary>
    public OtlpReceiver Telemetry { get; } = new();

    /// <summary>The upload page, as a browser on this machine reaches it.</summary>
    public Uri WebAddress { get; private set; } = null!;

    /// <summary>The API's SQLite database, as the AppHost placed it in this run's data directory.</summary>
    public string JobDatabasePath => Path.Combine(_dataDirectory, "api", "jobs.db");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.VideoConversion_AppHost>(
            [$"--VideoConversion:DataDirectory={_dataDirectory}"],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);

        await Telemetry.StartAsync();
        foreach (var service in builder.Resources.OfType<ProjectResource>())
        {
            service.Annotations.Add(new EnvironmentCallbackAnnotation(context => ExportTelemetryToTheTest(context, service.Name)));
        }

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("worker", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("web", timeout.Token);
        WebAddress = _app.GetEndpoint("web", "http");

        Api = _app.CreateHttpClient("api");
        Api.Timeout = TimeSpan.FromSeconds(30);
        Worker = _app.CreateHttpClient("worker");
        Worker.Timeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>What the Aspire dashboard sets, pointed at the test's receiver, and exported within a fraction of a second.</summary>
    private void ExportTelemetryToTheTest(EnvironmentCallbackContext context, string serviceName)
    {
        context.EnvironmentVariables["OTEL_SERVICE_NAME"] = serviceName;
        context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = Telemetry.Endpoint.ToString().TrimEnd('/');
        context.EnvironmentVariables["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        context.EnvironmentVariables["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        context.EnvironmentVariables["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        context.EnvironmentVariables["OTEL_METRIC_EXPORT_INTERVAL"] = "5000";
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        Worker?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Telemetry.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A broker file still closing; the OS temp cleaner takes it.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class WholeSystem : ICollectionFixture<SystemFixture>
{
    public const string Name = "Whole system";
}
