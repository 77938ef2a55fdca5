using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Npgsql;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A whole system of its own with two API replicas sharing one PostgreSQL database, as a deployment that outgrew one API
/// runs: clients reach the replicas through one address (the AppHost's proxy spreads connections over them), and a test
/// may kill one. Its quotas and rate limits stay out of the way of bursts.
/// </summary>
public sealed class ReplicatedSystemFixture() : SystemFixture(Shape)
{
    public const int ApiReplicas = 2;

    /// <summary>Replicas a test restarted after killing them (see <see cref="RestartAsync"/>).</summary>
    private readonly List<System.Diagnostics.Process> _restarted = [];

    private static SystemShape Shape => new(
        "videoconversion-replicas-",
        new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [ApiService] = new Dictionary<string, string>
            {
                ["Quotas__MaxActiveJobs"] = "10000",
                ["RateLimits__RequestsPerSecond"] = "100000",
                ["RateLimits__Burst"] = "100000",
                // S3's smallest part: a multipart upload of a test video has several.
                ["Uploads__PartSize"] = SystemFixture.PartBytes.ToString(CultureInfo.InvariantCulture),
                // Often, so that a test sees in seconds which replicas sweep.
                ["Retention__SweepInterval"] = "00:00:02",
            },
        },
        // Received by the test, so that a replica's error is in a failing test's output (its logs are nowhere else in CI).
        ExportsTelemetry: true,
        RoutesStorageThroughProxy: false,
        HealthyBeforeTests: [ApiService, Worker],
        AppHostArguments: [SystemShape.OnPostgreSql, $"--VideoConversion:ApiReplicas={ApiReplicas.ToString(CultureInfo.InvariantCulture)}"]);

    /// <summary>The job database, as the replicas reach it.</summary>
    public async Task<NpgsqlConnection> OpenJobDatabaseAsync()
    {
        var connection = new NpgsqlConnection(await App.GetConnectionStringAsync("jobs"));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Each API replica that runs now: its resource id, process and management port (its own /metrics, not the proxy's pick).</summary>
    public async Task<IReadOnlyList<ApiReplica>> RunningApiReplicasAsync(int expected = ApiReplicas)
    {
        var replicas = new List<ApiReplica>();
        await Polling.WaitUntilAsync(async () =>
        {
            replicas.Clear();
            foreach (var id in await ApiReplicaIdsAsync())
            {
                // The current snapshot, not an event from the stream's history: a replica's process changes when it restarts.
                if (App.ResourceNotifications.TryGetCurrentState(id, out var current) &&
                    current.Snapshot.State?.Text == KnownResourceStates.Running &&
                    ResourceProcesses.ProcessId(current.Snapshot) is { } pid &&
                    Addresses(pid) is { } addresses)
                {
                    replicas.Add(new ApiReplica(id, pid, addresses.Management, addresses.Http));
                }
            }

            foreach (var process in _restarted.Where(process => !process.HasExited))
            {
                if (Addresses(process.Id) is { } addresses)
                {
                    replicas.Add(new ApiReplica($"restarted-{process.Id}", process.Id, addresses.Management, addresses.Http));
                }
            }

            return replicas.Count == expected;
        }, $"{expected} running API replicas", TimeSpan.FromMinutes(1));
        return replicas;
    }

    /// <summary>The resource ids of the API's replicas (api-xxxx), as the AppHost's notifications name them.</summary>
    private async Task<IReadOnlyCollection<string>> ApiReplicaIdsAsync() =>
        (await ResourceSnapshots.CurrentAsync(App))
            .Where(change => change.Resource.Name == ApiService)
            .Select(change => change.ResourceId)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Where the replica's process listens, as it was told (Management__Port; ASPNETCORE_URLS or HTTP_PORTS), or null if it
    /// is gone.
    /// </summary>
    private static (Uri Management, Uri Http)? Addresses(int pid)
    {
        try
        {
            var environment = File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(variable => variable.Split('=', 2))
                .Where(pair => pair.Length == 2)
                .GroupBy(pair => pair[0], StringComparer.Ordinal)
                .ToDictionary(group => group.Key, group => group.First()[1], StringComparer.Ordinal);
            if (!environment.TryGetValue("Management__Port", out var management))
            {
                return null;
            }

            var http = environment.TryGetValue("ASPNETCORE_URLS", out var urls) && urls.Split(';').FirstOrDefault(url => url.StartsWith("http://", StringComparison.Ordinal)) is { } url
                ? new Uri(url.Replace("+", "localhost", StringComparison.Ordinal).Replace("*", "localhost", StringComparison.Ordinal))
                : environment.TryGetValue("HTTP_PORTS", out var ports) ? new Uri($"http://localhost:{ports.Split(';')[0]}") : null;
            return http is null ? null : (new Uri($"http://localhost:{management}"), http);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// A client of the API, with <paramref name="apiKey"/>, whose requests a balancer spreads over the replicas running now
    /// (<see cref="ReplicaBalancer"/>): those of the AppHost, and those a test restarted.
    /// </summary>
    public HttpClient BalancedApiClient(string apiKey, TimeSpan timeout, IReadOnlyList<ApiReplica> replicas)
    {
        var live = replicas.ToList();
        _balanced = live;
        var client = new HttpClient(new ReplicaBalancer(() => { lock (live) { return live.Select(replica => replica.Http).ToList(); } }))
        {
            BaseAddress = live[0].Http,
            Timeout = timeout,
        };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>The replicas the latest balanced client spreads over; kept as replicas die and restart.</summary>
    private List<ApiReplica> _balanced = [];

    /// <summary>
    /// kill -9 of one replica: a crash, as abrupt as it gets. Returns what restarts it: the same program with the same
    /// environment (its ports, its credentials), as Kubernetes restarts a crashed container. (The AppHost's own start command
    /// does not start a replica of a project again, so the test does what the orchestrator would.)
    /// </summary>
    public async Task<CrashedReplica> KillAsync(ApiReplica replica)
    {
        // DCP runs a project under 'dotnet run'; the API is its child (/proc shortens the name to 15 characters).
        var descendants = await ProcessTree.DescendantsNamedAsync(replica.ProcessId, "VideoConversion");
        var api = descendants.Count > 0 ? descendants[0].Pid : replica.ProcessId;
        var program = new FileInfo($"/proc/{api}/exe").LinkTarget
            ?? throw new InvalidOperationException($"The program of {replica.ResourceId} was not found.");
        var environment = (await File.ReadAllTextAsync($"/proc/{api}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(variable => variable.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);

        // The balancer is not told: like a load balancer, it finds the replica refusing connections and passes it over.
        // The process DCP started and the ones it started (the API under 'dotnet run'): all of the replica at once.
        var pid = replica.ProcessId.ToString(CultureInfo.InvariantCulture);
        await ProcessRunner.RunAsync("pkill", ["-KILL", "-P", pid], Environment.CurrentDirectory, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        await ProcessRunner.RunAsync("kill", ["-KILL", pid], Environment.CurrentDirectory, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        if (_restarted.FirstOrDefault(process => process.Id == replica.ProcessId) is { } own)
        {
            _restarted.Remove(own);
        }
        else
        {
            // Polled by the replica's id: waits by resource name match every replica of the API.
            await Polling.WaitUntilAsync(
                () => Task.FromResult(!App.ResourceNotifications.TryGetCurrentState(replica.ResourceId, out var current) ||
                                      current.Snapshot.State?.Text != KnownResourceStates.Running),
                $"{replica.ResourceId} to stop", TimeSpan.FromMinutes(1));
        }

        return new CrashedReplica(replica.ResourceId, program, environment, replica.Management, replica.Http);
    }

    /// <summary>Starts a crashed replica again on its own ports, and waits until it reports ready.</summary>
    public async Task<ApiReplica> RestartAsync(CrashedReplica crashed)
    {
        var start = new System.Diagnostics.ProcessStartInfo(crashed.Program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Clear();
        foreach (var (name, value) in crashed.Environment)
        {
            start.Environment[name] = value;
        }

        // A long-running service, stopped with the fixture, so not the process runner.
        var process = System.Diagnostics.Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _restarted.Add(process);

        using var http = new HttpClient { BaseAddress = crashed.Management, Timeout = TimeSpan.FromSeconds(5) };
        await Polling.WaitUntilAsync(async () =>
        {
            Assert.False(process.HasExited, $"the restarted {crashed.ResourceId} exited with {(process.HasExited ? process.ExitCode : 0)}");
            try
            {
                using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
                return health.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, $"the restarted {crashed.ResourceId} to be ready", TimeSpan.FromMinutes(2));
        var restarted = new ApiReplica($"{crashed.ResourceId} (restarted)", process.Id, crashed.Management, crashed.Http);
        lock (_balanced)
        {
            // Back at its address: the balancer's entry for it is good again.
            _balanced.RemoveAll(live => live.Http == restarted.Http);
            _balanced.Add(restarted);
        }

        return restarted;
    }

    protected override Task StoppingAsync()
    {
        foreach (var process in _restarted)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(30));
            }

            process.Dispose();
        }

        _restarted.Clear();
        return Task.CompletedTask;
    }
}

/// <summary>A replica killed by a test, with what starts it again as it was.</summary>
public sealed record CrashedReplica(string ResourceId, string Program, IReadOnlyDictionary<string, string> Environment, Uri Management, Uri Http);

/// <summary>One running API replica.</summary>
public sealed record ApiReplica(string ResourceId, int ProcessId, Uri Management, Uri Http);

/// <summary>Replica tests kill processes and load the machine: they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicatedSystem : ICollectionFixture<ReplicatedSystemFixture>
{
    public const string Name = "API replicas on PostgreSQL";
}
