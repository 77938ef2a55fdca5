using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A whole system of its own for fault tests, which kill and restart its processes and slow its
/// storage down. The worker drains for <see cref="WorkerDrainTimeout"/> on SIGTERM, short enough
/// to test both sides of it.
/// </summary>
public sealed class FaultSystemFixture() : SystemFixture(Shape)
{
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

    private static SystemShape Shape => new(
        "videoconversion-faults-",
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [Worker] = new Dictionary<string, string>
            {
                ["Conversion__DrainTimeout"] = WorkerDrainTimeout.ToString(),
                ["Conversion__Preset"] = "veryfast",
                ["Conversion__MaxPixels"] = MaxPixels.ToString(CultureInfo.InvariantCulture),
                ["Outbound__AllowedHosts"] = "127.0.0.1",
            },
            [ApiService] = WebhookReceiver.WithSystemSettings(new Dictionary<string, string>
            {
                ["Uploads__MaxFileBytes"] = MaxFileBytes.ToString(CultureInfo.InvariantCulture),
                ["Jobs__StallLimit"] = StallLimit.ToString(),
                // The fault tests keep many jobs in flight in one account, and send bursts to catch the API mid-batch;
                // quotas and rate limits are tested on the whole system.
                ["Quotas__MaxActiveJobs"] = "1000",
                ["RateLimits__RequestsPerSecond"] = "100000",
                ["RateLimits__Burst"] = "100000",
            }),
        },
        ExportsTelemetry: false,
        RoutesStorageThroughProxy: true,
        HealthyBeforeTests: [ApiService, Worker]);

    /// <summary>A resource's process id, as DCP started it.</summary>
    public Task<int> ProcessIdAsync(string resource) => App.ProcessIdAsync(resource);

    /// <summary>The FFmpeg processes the worker runs right now (its descendants), with their command lines.</summary>
    public async Task<IReadOnlyList<(int Pid, string CommandLine)>> FFmpegProcessesAsync() =>
        await ProcessTree.DescendantsNamedAsync(await ProcessIdAsync(Worker), "ffmpeg");

    /// <summary>
    /// A second worker process, as a second replica would run: the worker's own program with the
    /// worker's own environment (its credentials included), on another HTTP port. The caller stops it.
    /// </summary>
    public async Task<System.Diagnostics.Process> StartSecondWorkerAsync() =>
        await ProcessTree.StartSiblingAsync(await ProcessIdAsync(Worker), "VideoConversion.Worker");

    /// <summary>kill -9 of a resource's process and the processes it started (FFmpeg, the Erlang VM): a crash, as abrupt as it gets.</summary>
    public async Task KillAsync(string resource)
    {
        var pid = (await ProcessIdAsync(resource)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SignalAsync("pkill", "-KILL", "-P", pid);
        await SignalAsync("kill", "-KILL", pid);
        await WaitForStateAsync(resource, state => state != KnownResourceStates.Running);
    }

    public Task KillWorkerAsync() => KillAsync(Worker);

    /// <summary>SIGTERM, as Kubernetes sends on scale-in; returns the worker's exit code once it is gone.</summary>
    public async Task<int?> TerminateWorkerAsync(TimeSpan timeout)
    {
        var pid = await ProcessIdAsync(Worker);
        await SignalAsync("kill", "-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
    private static async Task SignalAsync(string program, params string[] arguments) =>
        await ProcessRunner.RunAsync(program, arguments, Environment.CurrentDirectory, TimeSpan.FromSeconds(30), null, CancellationToken.None);

    /// <summary>Stops the worker (SIGTERM, a clean exit) if it runs, and starts it again, with the settings as they are now.</summary>
    public async Task RestartWorkerAsync()
    {
        if (App.ResourceNotifications.TryGetCurrentState(Worker, out var current) && current.Snapshot.State?.Text == KnownResourceStates.Running)
        {
            await TerminateWorkerAsync(WorkerDrainTimeout + TimeSpan.FromSeconds(30));
        }

        await StartWorkerAsync();
    }
}

/// <summary>Fault tests run alone, after the others: they load the machine and kill processes.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultySystem : ICollectionFixture<FaultSystemFixture>
{
    public const string Name = "Faulty system";
}
