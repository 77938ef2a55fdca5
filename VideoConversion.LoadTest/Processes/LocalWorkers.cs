using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoConversion.LoadTest.Processes;

/// <summary>The worker processes running on this machine, as the AppHost (scripts/start, scripts/benchmark) starts them.</summary>
public static class LocalWorkers
{
    /// <summary>
    /// Their process ids: the worker's own executable (bin/.../VideoConversion.Worker), not the `dotnet run` around it;
    /// with <paramref name="executable"/>, only that build's (another checkout's system is not this one's); with
    /// <paramref name="under"/>, only those running below that process (another system of the same build is not this one).
    /// </summary>
    public static async Task<IReadOnlyList<int>> FindAsync(CancellationToken cancellationToken, string? executable = null, int? under = null)
    {
        var pattern = (executable is null ? @"VideoConversion\.Worker" : Regex.Escape(executable)) + "( |$)";
        var (_, output, _) = await ProcessTools.RunAsync("pgrep", ["-f", pattern], cancellationToken);
        var found = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => int.Parse(line, CultureInfo.InvariantCulture))
            .Where(pid => pid != Environment.ProcessId)
            .Where(pid => under is not { } ancestor || ProcessAncestry.IsBelow(pid, ancestor))
            .ToList();
        // A worker starting FFmpeg forks, and until the child runs FFmpeg it has the worker's command line: it is not a
        // worker (a benchmark round once counted three of two workers), and nor is one that has ended since pgrep saw it.
        // Such a child is not paused with the workers either: it becomes the FFmpeg of a job the worker already holds.
        return found.Where(pid => ProcessAncestry.ParentOf(pid) is { } parent && !found.Contains(parent)).ToList();
    }

    /// <summary>Sends <paramref name="signal"/> (as `kill` names it: KILL, STOP, CONT) to each of <paramref name="workers"/>.</summary>
    /// <exception cref="LoadTestException">`kill` failed: a worker is gone, or not ours to signal.</exception>
    public static async Task SignalAsync(IEnumerable<int> workers, string signal, CancellationToken cancellationToken)
    {
        var (code, _, error) = await ProcessTools.RunAsync(
            "kill", [$"-{signal}", .. workers.Select(pid => pid.ToString(CultureInfo.InvariantCulture))], cancellationToken);
        if (code != 0)
        {
            throw new LoadTestException($"kill -{signal} failed for a worker process: {error.Trim()}");
        }
    }
}
