using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

using VideoConversion.Processes;
namespace VideoConversion.Tests.Support;

/// <summary>
/// A whole system of its own for fault tests, which kill and restart its processes. The worker
/// drains for <see cref="WorkerDrainTimeout"/> on SIGTERM, short enough to test both sides of it.
/// </summary>
public sealed class FaultSystemFixture : IAsyncLifetime
{
    public const string Worker = "worker";
    public const string Broker = "messaging";
    public const string ApiService = "api";
    public static readonly TimeSpan WorkerDrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The API's upload limit here: above the longest input a fault test makes (the SIGTERM tests
    /// size theirs to the machine's speed), small enough to send a larger file in seconds.
    /// </summary>
    public const long MaxFileBytes = 512L * 1024 * 1024;

    /// <summary>The API's stall limit here: the shortest allowed, so the reconciler acts within a test's patience.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromMinutes(1);

    /// <summary>The worker's pixel budget here: a cheap 1080p file of a few minutes can pass it.</summary>
    public const double MaxPixels = 2e10;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("videoconversion-faults-").FullName;
    private DistributedApplication? _app;

    public HttpClient Api { get; private set; } = null!;

    /// <summary>The worker's HTTP endpoint (health, /metrics); it stays at one address across restarts.</summary>
    public HttpClient WorkerEndpoint { get; private set; } = null!;

    public string JobDatabasePath => Path.Combine(_dataDirectory, "api", "jobs.db");

    private DistributedApplication App => _app ?? throw new InvalidOperationException("The system is not started.");

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.VideoConversion_AppHost>(
            [$"--VideoConversion:DataDirectory={_dataDirectory}"],
            (options, _) => options.DisableDashboard = true,
            timeout.Token);
        var worker = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == Worker);
        builder.CreateResourceBuilder(worker)
            .WithEnvironment("Conversion__DrainTimeout", WorkerDrainTimeout.ToString())
            .WithEnvironment("Conversion__Preset", "veryfast")
            .WithEnvironment("Conversion__MaxPixels", MaxPixels.ToString(System.Globalization.CultureInfo.InvariantCulture))
            // Read at every start of the worker, so a test can restart it with a memory cap.
            .WithEnvironment(context =>
            {
                if (WorkerMemoryLimitBytes is { } limit)
                {
                    context.EnvironmentVariables["Conversion__MemoryLimitBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            });
        var api = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == ApiService);
        builder.CreateResourceBuilder(api)
            .WithEnvironment("Uploads__MaxFileBytes", MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("Jobs__StallLimit", StallLimit.ToString());
        RouteStorageThroughProxy(builder);

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(Worker, timeout.Token);

        Api = _app.CreateHttpClient("api");
        Api.Timeout = TimeSpan.FromSeconds(30);
        WorkerEndpoint = _app.CreateHttpClient(Worker);
        WorkerEndpoint.Timeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>The address-space cap the worker's FFmpeg runs get from its next start on; null for none.</summary>
    public long? WorkerMemoryLimitBytes { get; set; }

    /// <summary>Stops the worker (SIGTERM, a clean exit) and starts it again, with the settings as they are now.</summary>
    public async Task RestartWorkerAsync()
    {
        await TerminateWorkerAsync(WorkerDrainTimeout + TimeSpan.FromSeconds(30));
        await StartWorkerAsync();
    }

    /// <summary>
    /// A second worker process, as a second replica would run: the worker's own program with the
    /// worker's own environment (its credentials included), on another HTTP port. The caller stops it.
    /// </summary>
    public async Task<Process> StartSecondWorkerAsync()
    {
        var launcher = await ProcessIdAsync(Worker);
        var program = Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ReadStatus($"/proc/{pid}") is { Parent: var parent } && parent == launcher)
            .Select(pid => $"/proc/{pid}/exe")
            .Select(exe => new FileInfo(exe).LinkTarget)
            .FirstOrDefault(target => target?.EndsWith("VideoConversion.Worker", StringComparison.Ordinal) == true)
            ?? throw new InvalidOperationException("The worker's program was not found.");

        var startInfo = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.Environment.Clear();
        foreach (var variable in (await File.ReadAllTextAsync($"/proc/{launcher}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            startInfo.Environment[variable[..equals]] = variable[(equals + 1)..];
        }

        startInfo.Environment.Remove("HTTP_PORTS");
        startInfo.Environment.Remove("HTTPS_PORTS");
        startInfo.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The FFmpeg processes the worker runs right now (its descendants), with their command lines.</summary>
    public async Task<IReadOnlyList<(int Pid, string CommandLine)>> FFmpegProcessesAsync()
    {
        var worker = await ProcessIdAsync(Worker);
        Dictionary<int, (int Parent, string Name)> processes = [];
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ReadStatus(directory) is { } status)
            {
                processes[pid] = status;
            }
        }

        List<(int, string)> found = [];
        foreach (var (pid, (_, name)) in processes.Where(process => process.Value.Name == "ffmpeg"))
        {
            if (DescendsFrom(pid, worker, processes))
            {
                try
                {
                    found.Add((pid, (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Replace('\0', ' ')));
                }
                catch (IOException)
                {
                    // It ended in between.
                }
            }
        }

        return found;
    }

    private static (int Parent, string Name)? ReadStatus(string directory)
    {
        try
        {
            var status = File.ReadAllLines(Path.Combine(directory, "status"));
            var name = status.FirstOrDefault(line => line.StartsWith("Name:", StringComparison.Ordinal))?[5..].Trim() ?? "";
            var parent = status.FirstOrDefault(line => line.StartsWith("PPid:", StringComparison.Ordinal))?[5..].Trim();
            return int.TryParse(parent, out var parentPid) ? (parentPid, name) : null;
        }
        catch (IOException)
        {
            return null; // the process ended while it was read
        }
    }

    private static bool DescendsFrom(int pid, int ancestor, Dictionary<int, (int Parent, string Name)> processes)
    {
        for (var depth = 0; depth < 10 && processes.TryGetValue(pid, out var process); depth++)
        {
            if (process.Parent == ancestor)
            {
                return true;
            }

            pid = process.Parent;
        }

        return false;
    }

    /// <summary>A connection to the system's broker, as a worker or a tool holding its credentials would open one.</summary>
    public async Task<RabbitMQ.Client.IConnection> BrokerConnectionAsync()
    {
        var connectionString = await App.GetConnectionStringAsync(Broker)
            ?? throw new InvalidOperationException("The broker has no connection string.");
        return await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
    }

    /// <summary>A client of the real object storage, bypassing the proxy.</summary>
    public async Task<Minio.IMinioClient> StorageClientAsync()
    {
        var connectionString = await App.GetConnectionStringAsync("storage")
            ?? throw new InvalidOperationException("Storage has no connection string.");
        var connection = VideoConversion.Infrastructure.Storage.StorageConnection.Parse(connectionString, "storage");
        return VideoConversion.Infrastructure.Storage.ObjectStorageExtensions.CreateClient(connection.Endpoint, connection);
    }

    /// <summary>Every connection the API and the worker make to object storage; its latency is 0 until a test sets it.</summary>
    public DelayingTcpProxy StorageProxy { get; } = new();

    /// <summary>Points the API's and the worker's storage connection string at <see cref="StorageProxy"/>.</summary>
    private void RouteStorageThroughProxy(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var project in builder.Resources.OfType<ProjectResource>().Where(resource => resource.Name is Worker or ApiService))
        {
            // The service's own storage user ("storage-api", "storage-worker"), as the AppHost gives it.
            var storage = builder.Resources.OfType<IResourceWithConnectionString>().Single(resource => resource.Name == $"storage-{project.Name}");
            // Runs after the reference's own callback, when the storage endpoint is known, and replaces its value.
            builder.CreateResourceBuilder(project).WithEnvironment(async context =>
            {
                var connectionString = await storage.GetConnectionStringAsync(context.CancellationToken)
                    ?? throw new InvalidOperationException("Storage has no connection string.");
                var endpoint = VideoConversion.Infrastructure.Storage.StorageConnection.Parse(connectionString, "storage").Endpoint;
                StorageProxy.Target = new System.Net.DnsEndPoint(endpoint.Host, endpoint.Port);
                context.EnvironmentVariables["ConnectionStrings__storage"] =
                    connectionString.Replace(endpoint.Authority, $"127.0.0.1:{StorageProxy.Port}", StringComparison.Ordinal);
            });
        }
    }

    /// <summary>A resource's process id, as DCP started it.</summary>
    public Task<int> ProcessIdAsync(string resource) => App.ProcessIdAsync(resource);

    /// <summary>kill -9 of a resource's process and the processes it started (FFmpeg, the Erlang VM): a crash, as abrupt as it gets.</summary>
    public async Task KillAsync(string resource)
    {
        var pid = (await ProcessIdAsync(resource)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await RunAsync("pkill", "-KILL", "-P", pid);
        await RunAsync("kill", "-KILL", pid);
        await WaitForStateAsync(resource, state => state != KnownResourceStates.Running);
    }

    public Task KillWorkerAsync() => KillAsync(Worker);

    /// <summary>SIGTERM, as Kubernetes sends on scale-in; returns the worker's exit code once it is gone.</summary>
    public async Task<int?> TerminateWorkerAsync(TimeSpan timeout)
    {
        var pid = await ProcessIdAsync(Worker);
        await RunAsync("kill", "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stopped = await WaitForStateAsync(Worker, state => state != KnownResourceStates.Running, timeout);
        return stopped.Snapshot.ExitCode;
    }

    /// <summary>Waits until something else (a chaos tool) has stopped the worker, however it did it.</summary>
    public Task WaitForWorkerToStopAsync(TimeSpan timeout) =>
        WaitForStateAsync(Worker, state => state != KnownResourceStates.Running, timeout);

    /// <summary>Starts a stopped or crashed resource again and waits until it reports healthy.</summary>
    public async Task StartAsync(string resource)
    {
        // The snapshot still says Exited for a moment after the start command returns, and a health wait that sees it
        // gives up at once; so wait for a running process other than the dead one first.
        var deadPid = App.ResourceNotifications.TryGetCurrentState(resource, out var before) ? ResourceProcesses.ProcessId(before.Snapshot) : null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, timeout.Token);
        Assert.True(result.Success, $"starting {resource} failed: {result.Message}");
        try
        {
            await App.ResourceNotifications.WaitForResourceAsync(resource,
                candidate => candidate.Snapshot.State?.Text == KnownResourceStates.Running &&
                             ResourceProcesses.ProcessId(candidate.Snapshot) is { } pid && pid != deadPid,
                timeout.Token);
        }
        catch (OperationCanceledException)
        {
            var state = App.ResourceNotifications.TryGetCurrentState(resource, out var last)
                ? $"{last.Snapshot.State?.Text} (exit code {last.Snapshot.ExitCode})"
                : "unknown";
            Assert.Fail($"{resource} did not start again within 2 minutes; its state is {state}");
        }

        await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
    }

    public Task StartWorkerAsync() => StartAsync(Worker);

    private async Task<ResourceEvent> WaitForStateAsync(string resource, Func<string?, bool> predicate, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        return await App.ResourceNotifications.WaitForResourceAsync(resource, candidate => predicate(candidate.Snapshot.State?.Text), deadline.Token);
    }

    /// <summary>kill and pkill: their exit code says only whether a process matched, which the callers check otherwise.</summary>
    private static async Task RunAsync(string program, params string[] arguments) =>
        await ProcessRunner.RunAsync(program, arguments, Environment.CurrentDirectory, TimeSpan.FromSeconds(30), null, CancellationToken.None);

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await StorageProxy.DisposeAsync();

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

/// <summary>Fault tests run alone, after the others: they load the machine and kill processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultySystem : ICollectionFixture<FaultSystemFixture>
{
    public const string Name = "Faulty system";
}
