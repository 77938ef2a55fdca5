namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Gives memory back to the machine (<see cref="ProcessMemory.GiveBack"/>) once the worker has held no job for a quiet
/// period (<see cref="DefaultQuiet"/>). Without it a worker keeps the heap its largest job grew (its checks, reports and
/// requests) for as long as it sits idle.
/// </summary>
/// <remarks>
/// Waiting for quiet keeps the collection off a backlog's path: back-to-back jobs never wait for it.
/// </remarks>
public sealed class IdleMemory(TimeSpan quiet)
{
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromSeconds(2);

    private long _changes;
    private int _gaveBack;

    public IdleMemory()
        : this(DefaultQuiet)
    {
    }

    /// <summary>How many times memory was given back.</summary>
    public int GaveBack => Volatile.Read(ref _gaveBack);

    /// <summary>The worker took a job: a collection waiting for quiet is called off. Called under the slots' lock.</summary>
    public void Busy() => Interlocked.Increment(ref _changes);

    /// <summary>The worker holds no job any more (called under the slots' lock). The task says whether memory was given back (false: a job came first).</summary>
    public Task<bool> Idle()
    {
        var change = Interlocked.Increment(ref _changes);
        return GiveBackIfStillIdleAsync(change);
    }

    private async Task<bool> GiveBackIfStillIdleAsync(long change)
    {
        await Task.Delay(quiet);
        if (Interlocked.Read(ref _changes) != change)
        {
            return false;
        }

        ProcessMemory.GiveBack();
        Interlocked.Increment(ref _gaveBack);
        return true;
    }
}
