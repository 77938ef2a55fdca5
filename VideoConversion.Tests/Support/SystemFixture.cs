using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Support;

/// <summary>
/// The whole system, started once for a test collection through the real AppHost: RabbitMQ,
/// S3-compatible storage, the API, the worker with FFmpeg, and the web front end. Each run
/// gets its own data directory and random ports, so it never meets another run's state.
/// A <see cref="SystemShape"/> says how a collection's system differs (settings, a storage
/// proxy, where telemetry goes); <see cref="FaultSystemFixture"/> adds what kills and restarts it.
/// </summary>
public class SystemFixture : IAsyncLifetime, IAsyncDisposable
{
    public const string ApiService = "api";
    public const string Worker = "worker";
    public const string Web = "web";
    public const string Broker = "messaging";

    /// <summary>The whole system's quotas: above the 200 jobs the concurrency test makes in its own account.</summary>
    public const int MaxActiveJobs = 220;

    public const long MaxStoredBytes = 5L * 1000 * 1000 * 1000;

    /// <summary>The part size of multipart uploads in the test system: S3's smallest.</summary>
    public const long PartBytes = 5L * 1024 * 1024;

    /// <summary>
    /// The whole system's rate limit per account: a burst above what any test sends at once, and a refill
    /// above what the busiest test (the load tool's) asks for steadily, yet one a burst test outruns.
    /// </summary>
    public const int RequestsPerSecond = 20;

    public const int Burst = 300;

    /// <summary>
    /// Sign-ins a minute per account and address: every test signs in from this machine, the browser's
    /// through the page, and the tests' own account does so a dozen times in a minute.
    /// </summary>
    public const int SignInsPerMinute = 40;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);
    private string? _administratorToken;

    private readonly SystemShape _shape;
    private readonly string _dataDirectory;
    private readonly OtlpReceiver _telemetry = new();
    private readonly LinkProxy? _storageProxy;
    private readonly LinkProxy? _publicStorageProxy;
    private DistributedApplication? _app;

    public SystemFixture()
        : this(SystemShape.Whole)
    {
    }

    protected SystemFixture(SystemShape shape)
    {
        _shape = shape;
        _dataDirectory = Directory.CreateTempSubdirectory(shape.DataDirectoryPrefix).FullName;
        _storageProxy = shape.RoutesStorageThroughProxy ? new LinkProxy() : null;
        _publicStorageProxy = shape.BrowsersReachStorageThroughProxy ? new LinkProxy() : null;
    }

    /// <summary>The API, called with <see cref="Account"/>'s key.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>The account the tests work as: every job they make is its.</summary>
    public TestAccount Account { get; private set; } = null!;

    /// <summary>A second account, for what one account must not see of another's.</summary>
    public TestAccount OtherAccount { get; private set; } = null!;

    /// <summary>The first administrator's password, as the AppHost generated it (and keeps it in its user secrets).</summary>
    public string AdministratorPassword { get; private set; } = null!;

    /// <summary>The running AppHost: its resources' connection strings and processes.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("The system has not started.");

    /// <summary>The API's management port (/metrics, /health), as Prometheus and the readiness check reach it.</summary>
    public HttpClient ApiManagement { get; private set; } = null!;

    /// <summary>The worker's management port (/metrics, /health); it stays at one address across restarts.</summary>
    public HttpClient WorkerManagement { get; private set; } = null!;

    /// <summary>The upload page's management port (/metrics, /health).</summary>
    public HttpClient WebManagement { get; private set; } = null!;

    /// <summary>Every span and log record the services exported during the run.</summary>
    public OtlpReceiver Telemetry => _shape.ExportsTelemetry ? _telemetry : throw new InvalidOperationException("This system's services export no telemetry to the test.");

    /// <summary>The upload page, as a browser on this machine reaches it.</summary>
    public Uri WebAddress => App.GetEndpoint(Web, "http");

    /// <summary>Where this run's host-run services keep their state (the AppHost's VideoConversion:DataDirectory).</summary>
    public string DataDirectory => _dataDirectory;

    /// <summary>
    /// What scripts/manage (or the API's own manage command) needs in its environment to reach this system's job database:
    /// the data directory for SQLite; the provider and connection string for PostgreSQL.
    /// </summary>
    public async Task<Dictionary<string, string?>> DatabaseEnvironmentAsync() => _shape.JobsInPostgreSql
        ? new Dictionary<string, string?>
        {
            ["Database__Provider"] = "PostgreSQL",
            ["ConnectionStrings__jobs"] = await App.GetConnectionStringAsync("jobs"),
        }
        : new Dictionary<string, string?> { ["VideoConversion__DataDirectory"] = _dataDirectory };

    /// <summary>The API's SQLite database, as the AppHost placed it in this run's data directory (a system on SQLite).</summary>
    public string JobDatabasePath => Path.Combine(_dataDirectory, "api", "jobs.db");

    /// <summary>Every connection the API and the worker make to object storage; its latency is 0 until a test sets it.</summary>
    public LinkProxy StorageProxy => _storageProxy ?? throw new InvalidOperationException("This system's storage is not behind a proxy.");

    /// <summary>What browsers and other clients reach storage through (the presigned URLs' host).</summary>
    public LinkProxy PublicStorageProxy => _publicStorageProxy ?? throw new InvalidOperationException("This system's clients reach storage directly.");

    /// <summary>The address-space cap the worker's FFmpeg runs get from its next start on; null for none.</summary>
    public long? WorkerMemoryLimitBytes { get; set; }

    /// <summary>
    /// Whether the worker takes its next job while it converts one (Conversion:PrefetchNextJob) from its next start on;
    /// null for its default (by the broker's version).
    /// </summary>
    public bool? WorkerPrefetchesNextJob { get; set; }

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.VideoConversion_AppHost>(
            [$"--VideoConversion:DataDirectory={_dataDirectory}", .. _shape.AppHostArguments ?? []],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);

        if (_shape.ExportsTelemetry)
        {
            await _telemetry.StartAsync();
        }

        foreach (var service in builder.Resources.OfType<ProjectResource>())
        {
            Configure(builder, service);
        }

        _app = await builder.BuildAsync(timeout.Token);
        // The start is abandoned, not waited out, should a resource die meanwhile; the watch ends with the start.
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var stopped = StoppedResource.FirstAsync(_app, watching.Token);
        var started = StartAndWaitHealthyAsync(_app, abandon.Token);
        try
        {
            if (await Task.WhenAny(started, stopped) == stopped && stopped.IsCompletedSuccessfully)
            {
                // A resource that died at start never becomes healthy: waiting out the timeout would only hide why.
                await abandon.CancelAsync();
                var states = await ResourceSnapshots.DescribeAsync(_app);
                var resource = await stopped;
                throw new InvalidOperationException(
                    $"The system could not start: {resource.Summary} Its resources: {states}.{Environment.NewLine}{resource.Output}");
            }

            await started;
        }
        catch (OperationCanceledException canceled) when (timeout.IsCancellationRequested)
        {
            // Which resource held the start up: StartAsync's timeout names none (seen twice on a loaded machine).
            var states = await ResourceSnapshots.DescribeAsync(_app);
            throw new TimeoutException($"The system did not start within {StartTimeout.TotalMinutes:F0} minutes. Its resources: {states}.", canceled);
        }
        finally
        {
            await watching.CancelAsync();
            // Both ended before the fixture goes on (or fails); how each ended is already said above.
            await Task.WhenAll(started, stopped).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Api = _app.CreateHttpClient(ApiService);
        Api.Timeout = TimeSpan.FromSeconds(30);
        await CreateAccountsAsync(builder, timeout.Token);
        Api.DefaultRequestHeaders.Authorization = Account.Authorization;
        ApiManagement = ManagementClient(ApiService);
        WorkerManagement = ManagementClient(Worker);
        WebManagement = ManagementClient(Web);
    }

    private async Task StartAndWaitHealthyAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        foreach (var resource in _shape.HealthyBeforeTests)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
        }
    }

    private HttpClient ManagementClient(string service)
    {
        var client = App.CreateHttpClient(service, "management");
        client.Timeout = TimeSpan.FromSeconds(30);
        return client;
    }

    /// <summary>As an operator would: sign in as the first administrator and create two accounts, each with a key.</summary>
    private async Task CreateAccountsAsync(IDistributedApplicationTestingBuilder builder, CancellationToken cancellationToken)
    {
        var password = builder.Resources.OfType<ParameterResource>().Single(parameter => parameter.Name == "admin-password");
        AdministratorPassword = await password.GetValueAsync(cancellationToken)
            ?? throw new InvalidOperationException("The AppHost generated no administrator password.");
        _administratorToken = await TestAccount.SignInAsync(Api, "admin", AdministratorPassword);
        Account = await TestAccount.CreateAsync(Api, _administratorToken, "alice");
        OtherAccount = await TestAccount.CreateAsync(Api, _administratorToken, "bob");
    }

    /// <summary>A client of the API sending <paramref name="bearer"/> (an API key or a sign-in token), or no credential at all.</summary>
    public HttpClient ApiClient(string? bearer, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = Api.BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    /// <summary>The API as the first administrator calls it (signed in).</summary>
    public HttpClient AdministratorClient() =>
        ApiClient(_administratorToken ?? throw new InvalidOperationException("The system has not started."));

    /// <summary>A new account of its own, for a test that fills a quota or must count only its own jobs.</summary>
    public Task<TestAccount> CreateAccountAsync(string purpose) =>
        TestAccount.CreateAsync(Api, _administratorToken ?? throw new InvalidOperationException("The system has not started."), $"{purpose}-{Guid.NewGuid():N}");

    private void Configure(IDistributedApplicationTestingBuilder builder, ProjectResource service)
    {
        var resource = builder.CreateResourceBuilder(service);
        foreach (var (name, value) in _shape.Settings.GetValueOrDefault(service.Name) ?? new Dictionary<string, string>())
        {
            resource.WithEnvironment(name, value);
        }

        if (_shape.ExportsTelemetry)
        {
            resource.WithEnvironment(context => ExportTelemetryToTheTest(context, service.Name));
        }

        if (service.Name == Worker)
        {
            // Read at every start of the worker, so a test can restart it with a memory cap, or without a prefetch.
            resource.WithEnvironment(context =>
            {
                if (WorkerMemoryLimitBytes is { } limit)
                {
                    context.EnvironmentVariables["Conversion__MemoryLimitBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                if (WorkerPrefetchesNextJob is { } prefetch)
                {
                    context.EnvironmentVariables["Conversion__PrefetchNextJob"] = prefetch ? "true" : "false";
                }
            });
        }

        if (_shape.RoutesStorageThroughProxy && service.Name is Worker or ApiService)
        {
            RouteStorageThroughProxy(builder, resource);
        }

        if (_shape.BrowsersReachStorageThroughProxy && service.Name == ApiService)
        {
            SignForPublicStorageProxy(builder, resource);
        }
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

    /// <summary>Points the service's storage connection string at <see cref="StorageProxy"/>.</summary>
    private void RouteStorageThroughProxy(IDistributedApplicationTestingBuilder builder, IResourceBuilder<ProjectResource> service)
    {
        // The service's own storage user ("storage-api", "storage-worker"), as the AppHost gives it.
        var storage = builder.Resources.OfType<IResourceWithConnectionString>().Single(resource => resource.Name == $"storage-{service.Resource.Name}");
        // Runs after the reference's own callback, when the storage endpoint is known, and replaces its value.
        service.WithEnvironment(async context =>
        {
            var (connectionString, endpoint) = await StorageEndpointAsync(storage, context.CancellationToken);
            StorageProxy.Target = new System.Net.DnsEndPoint(endpoint.Host, endpoint.Port);
            context.EnvironmentVariables["ConnectionStrings__storage"] =
                connectionString.Replace(endpoint.Authority, $"127.0.0.1:{StorageProxy.Port}", StringComparison.Ordinal);
        });
    }

    /// <summary>Has the API sign presigned URLs for <see cref="PublicStorageProxy"/>, as for a proxy in front of storage in a deployment.</summary>
    private void SignForPublicStorageProxy(IDistributedApplicationTestingBuilder builder, IResourceBuilder<ProjectResource> api)
    {
        var storage = builder.Resources.OfType<IResourceWithConnectionString>().Single(resource => resource.Name == $"storage-{api.Resource.Name}");
        api.WithEnvironment(async context =>
        {
            var (_, endpoint) = await StorageEndpointAsync(storage, context.CancellationToken);
            PublicStorageProxy.Target = new System.Net.DnsEndPoint(endpoint.Host, endpoint.Port);
            context.EnvironmentVariables["Uploads__PublicEndpoint"] = $"http://127.0.0.1:{PublicStorageProxy.Port}";
        });
    }

    /// <summary>A service's storage connection string, once the storage endpoint is known, and the endpoint in it.</summary>
    private static async Task<(string ConnectionString, Uri Endpoint)> StorageEndpointAsync(
        IResourceWithConnectionString storage, CancellationToken cancellationToken)
    {
        var connectionString = await storage.GetConnectionStringAsync(cancellationToken)
            ?? throw new InvalidOperationException("Storage has no connection string.");
        return (connectionString, StorageConnection.Parse(connectionString, "storage").Endpoint);
    }

    /// <summary>A connection to the system's broker, as a worker or a tool holding its credentials would open one.</summary>
    public async Task<RabbitMQ.Client.IConnection> BrokerConnectionAsync()
    {
        var connectionString = await App.GetConnectionStringAsync(Broker)
            ?? throw new InvalidOperationException("The broker has no connection string.");
        return await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
    }

    /// <summary>A client of the real object storage with its root credentials, bypassing any proxy.</summary>
    public async Task<Minio.IMinioClient> StorageClientAsync()
    {
        var connectionString = await App.GetConnectionStringAsync("storage")
            ?? throw new InvalidOperationException("Storage has no connection string.");
        var connection = StorageConnection.Parse(connectionString, "storage");
        return ObjectStorageExtensions.CreateClient(connection.Endpoint, connection);
    }

    /// <summary>Whether storage holds the object, asked with its root credentials.</summary>
    public async Task<bool> IsStoredAsync(string bucket, string key)
    {
        using var storage = await StorageClientAsync();
        try
        {
            await storage.StatObjectAsync(new Minio.DataModel.Args.StatObjectArgs().WithBucket(bucket).WithObject(key));
            return true;
        }
        catch (Minio.Exceptions.ObjectNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The keys storage holds under <paramref name="prefix"/>, asked with its root credentials.</summary>
    public async Task<IReadOnlyList<string>> StoredKeysAsync(string bucket, string prefix)
    {
        using var storage = await StorageClientAsync();
        List<string> keys = [];
        await foreach (var item in storage.ListObjectsEnumAsync(
                           new Minio.DataModel.Args.ListObjectsArgs().WithBucket(bucket).WithPrefix(prefix).WithRecursive(true)))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    /// <summary>What a fixture started beside the AppHost stops first (processes of its own).</summary>
    protected virtual Task StoppingAsync() => Task.CompletedTask;

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public async Task DisposeAsync()
    {
        await StoppingAsync();
        Api?.Dispose();
        ApiManagement?.Dispose();
        WorkerManagement?.Dispose();
        WebManagement?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await _telemetry.DisposeAsync();
        if (_storageProxy is not null)
        {
            await _storageProxy.DisposeAsync();
        }

        if (_publicStorageProxy is not null)
        {
            await _publicStorageProxy.DisposeAsync();
        }

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
