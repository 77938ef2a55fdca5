namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Gives memory back to the machine once the worker has held no job for a quiet period (<see cref="DefaultQuiet"/>): a
/// blocking, compacting, aggressive collection, which also returns the free parts of the heap to the operating system,
/// then a trim of the C heap (<see cref="NativeHeap"/>). Without it a worker keeps the heap its largest job grew (its
/// checks, reports and requests) for as long as it sits idle, and idle workers share their nodes with busy ones.
/// </summary>
/// <remarks>
/// Waiting for quiet keeps the collection off a backlog's path: back-to-back jobs never wait for it. It takes
/// milliseconds on a worker's small heap.
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

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        // What the collection's finalizers freed in the C heap goes back too, not at the next periodic trim.
        GC.WaitForPendingFinalizers();
        NativeHeap.Trim();
        Interlocked.Increment(ref _gaveBack);
        return true;
    }
}
