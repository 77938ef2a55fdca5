using VideoConversion.LoadTest.Processes;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The system's local workers stopped (SIGSTOP) until disposed (SIGCONT): while the API alone is measured, the jobs it
/// queues wait in the broker instead of the workers taking the machine's cores to reject them. In a deployment the
/// workers run on other machines. A stopped worker sends no heartbeat, so a pause must stay well within the broker's
/// heartbeat timeout (60 s): <see cref="Longest"/>.
/// </summary>
public sealed class PausedWorkers : IAsyncDisposable
{
    /// <summary>The longest pause asked for: a broker drops a connection silent for its heartbeat timeout.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(45);

    private readonly IReadOnlyList<int> _workers;

    private PausedWorkers(IReadOnlyList<int> workers) => _workers = workers;

    /// <param name="executable">The system's worker executable: only its processes are paused.</param>
    /// <param name="under">A process the system's workers run below (another system may run the same build); null: any.</param>
    /// <param name="expected">How many the system runs: a different count means another system, or a worker missing.</param>
    public static async Task<PausedWorkers> PauseAsync(string executable, int? under, int expected, CancellationToken cancellationToken)
    {
        var workers = await LocalWorkers.FindAsync(cancellationToken, executable, under);
        if (workers.Count != expected)
        {
            throw new LoadTestException($"Found {workers.Count} worker processes of {executable}, not the system's {expected}: nothing paused.");
        }

        try
        {
            // Not cancelled halfway: a worker stopped with nobody left to continue it would hold its connection and jobs.
            await LocalWorkers.SignalAsync(workers, "STOP", CancellationToken.None);
        }
        catch (LoadTestException)
        {
            await LocalWorkers.SignalAsync(workers, "CONT", CancellationToken.None);
            throw;
        }

        return new PausedWorkers(workers);
    }

    public async ValueTask DisposeAsync() => await LocalWorkers.SignalAsync(_workers, "CONT", CancellationToken.None);
}
