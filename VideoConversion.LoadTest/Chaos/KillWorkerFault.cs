using System.Globalization;
using VideoConversion.LoadTest.Processes;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Chaos;

/// <summary>
/// Kills a worker while it converts, as a crash or an evicted pod would: SIGKILL to a local worker
/// process, or `kubectl delete pod --grace-period=0 --force` on Kubernetes. The job it held must
/// come back from the queue and finish elsewhere (or in the worker started in its place).
/// </summary>
public sealed class KillWorkerFault(string? kubernetesNamespace) : IFault
{
    public string Name => "kill-worker";

    public async Task InjectAsync(LoadRun run, CancellationToken cancellationToken)
    {
        // A worker with a job in hand: wait until one of this run's jobs is being converted.
        while (run.BusyJobs.Count == 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        run.Note(kubernetesNamespace is null ? await KillLocalAsync(cancellationToken) : await DeletePodAsync(kubernetesNamespace, cancellationToken));
    }

    private static async Task<string> KillLocalAsync(CancellationToken cancellationToken)
    {
        var workers = await LocalWorkers.FindAsync(cancellationToken);
        if (workers.Count == 0)
        {
            throw new LoadTestException("No local worker process (VideoConversion.Worker) to kill.");
        }

        // Prefer a worker running FFmpeg right now: that one holds a job.
        var converting = new List<int>();
        foreach (var pid in workers)
        {
            var (code, _, _) = await ProcessTools.RunAsync("pgrep", ["-P", pid.ToString(CultureInfo.InvariantCulture), "-x", "ffmpeg"], cancellationToken);
            if (code == 0)
            {
                converting.Add(pid);
            }
        }

        var candidates = converting.Count > 0 ? converting : workers;
        var victim = candidates[Random.Shared.Next(candidates.Count)];
        await LocalWorkers.SignalAsync([victim], "KILL", cancellationToken);
        return $"kill-worker: SIGKILL to worker process {victim} ({(converting.Contains(victim) ? "converting" : "idle")}; {workers.Count} workers)";
    }

    private static async Task<string> DeletePodAsync(string kubernetesNamespace, CancellationToken cancellationToken)
    {
        var (code, output, error) = await ProcessTools.RunAsync("kubectl",
            ["-n", kubernetesNamespace, "get", "pods", "-l", "app.kubernetes.io/name=worker", "--field-selector=status.phase=Running", "-o", "name"],
            cancellationToken);
        var pods = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (code != 0 || pods.Length == 0)
        {
            throw new LoadTestException($"No running worker pod in namespace {kubernetesNamespace}: {error}");
        }

        var victim = pods[Random.Shared.Next(pods.Length)];
        await ProcessTools.RunAsync("kubectl", ["-n", kubernetesNamespace, "delete", victim, "--grace-period=0", "--force"], cancellationToken);
        return $"kill-worker: deleted {victim} (of {pods.Length}) without grace";
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
