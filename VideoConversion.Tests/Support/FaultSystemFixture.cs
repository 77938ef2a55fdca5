using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A whole system of its own for fault tests, which kill and restart its processes. The worker
/// drains for <see cref="WorkerDrainTimeout"/> on SIGTERM, short enough to test both sides of it.
/// </summary>
public sealed class FaultSystemFixture : IAsyncLifetime
{
    public const string Worker = "worker";
    public static readonly TimeSpan WorkerDrainTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("videoconversion-faults-").FullName;
    private DistributedApplication? _app;

    public HttpClient Api { get; private set; } = null!;

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
            .WithEnvironment("Conversion__Preset", "veryfast");

        _app = await builder.BuildAsync(timeout.Token);
        await _app.StartAsync(timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("api", timeout.Token);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(Worker, timeout.Token);

        Api = _app.CreateHttpClient("api");
        Api.Timeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>The worker's process id, as DCP started it.</summary>
    public async Task<int> WorkerProcessIdAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var running = await App.ResourceNotifications.WaitForResourceAsync(Worker,
            resource => resource.Snapshot.State?.Text == KnownResourceStates.Running && ProcessId(resource.Snapshot) is not null,
            timeout.Token);
        return ProcessId(running.Snapshot)!.Value;
    }

    /// <summary>kill -9 of the worker and any process it started (FFmpeg): a crash, as abrupt as it gets.</summary>
    public async Task KillWorkerAsync()
    {
        var pid = await WorkerProcessIdAsync();
        await RunAsync("pkill", "-KILL", "-P", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await RunAsync("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await WaitForWorkerStateAsync(state => state != KnownResourceStates.Running);
    }

    /// <summary>SIGTERM, as Kubernetes sends on scale-in; returns the worker's exit code once it is gone.</summary>
    public async Task<int?> TerminateWorkerAsync(TimeSpan timeout)
    {
        var pid = await WorkerProcessIdAsync();
        await RunAsync("kill", "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stopped = await WaitForWorkerStateAsync(state => state != KnownResourceStates.Running, timeout);
        return stopped.Snapshot.ExitCode;
    }

    public async Task StartWorkerAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await App.ResourceCommands.ExecuteCommandAsync(Worker, KnownResourceCommands.StartCommand, timeout.Token);
        Assert.True(result.Success, $"starting the worker failed: {result.Message}");
        await App.ResourceNotifications.WaitForResourceHealthyAsync(Worker, timeout.Token);
    }

    private async Task<ResourceEvent> WaitForWorkerStateAsync(Func<string?, bool> predicate, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        return await App.ResourceNotifications.WaitForResourceAsync(Worker, resource => predicate(resource.Snapshot.State?.Text), deadline.Token);
    }

    private static int? ProcessId(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } value &&
        int.TryParse(value.ToString(), out var pid)
            ? pid
            : null;

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
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

/// <summary>Fault tests run alone, after the others: they load the machine and kill processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultySystem : ICollectionFixture<FaultSystemFixture>
{
    public const string Name = "Faulty system";
}
