namespace VideoConversion.Api.Memory;

/// <summary>
/// Gives the API's memory back to the machine (<see cref="ProcessMemory.GiveBack"/>) once no request has started or been
/// in flight for a quiet period (<see cref="DefaultQuiet"/>), if the API allocated enough since it last did for there to be
/// something to give back (<see cref="DefaultWorthGivingBack"/>). Without it the API keeps, for as long as it sits idle,
/// the heap a burst of requests grew: garbage in the oldest generation and free space the collector keeps committed.
/// </summary>
/// <remarks>
/// Requests are counted by <see cref="IdleApiMemoryExtensions.UseIdleApiMemory"/>, on both ports. Health probes and
/// metric scrapes are requests too, but each allocates kilobytes: the allocation floor keeps them from setting off a
/// collection after each one. Work that is not a request (the outbox, workers' reports) may run during the collection:
/// it waits the collection's milliseconds.
/// </remarks>
/// <param name="allocatedBytes">The bytes the process has allocated so far (tests give their own count).</param>
public sealed class IdleApiMemory(TimeSpan quiet, long worthGivingBackBytes, Func<long> allocatedBytes) : BackgroundService
{
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromSeconds(2);

    /// <summary>Bytes allocated since the last give-back below which there is too little to give back.</summary>
    public const long DefaultWorthGivingBack = 16 * 1024 * 1024;

    private long _requestsStarted;
    private int _requestsInFlight;
    private long _requestsStartedAtLastCheck = -1;
    private long _allocatedAtLastGiveBack;
    private int _gaveBack;

    public IdleApiMemory()
        : this(DefaultQuiet, DefaultWorthGivingBack, () => GC.GetTotalAllocatedBytes())
    {
    }

    /// <summary>How many times memory was given back.</summary>
    public int GaveBack => Volatile.Read(ref _gaveBack);

    /// <summary>Requests the API is serving now.</summary>
    public int RequestsInFlight => Volatile.Read(ref _requestsInFlight);

    public void RequestStarted()
    {
        Interlocked.Increment(ref _requestsStarted);
        Interlocked.Increment(ref _requestsInFlight);
    }

    public void RequestEnded() => Interlocked.Decrement(ref _requestsInFlight);

    /// <summary>
    /// Called once a quiet period: gives memory back if no request started since the last call and none is in flight,
    /// and enough was allocated since the last give-back. Whether it gave memory back.
    /// </summary>
    public bool GiveBackIfQuiet()
    {
        // In-flight is read first: a request that starts after it is seen by the started count, which is read after it.
        var inFlight = Volatile.Read(ref _requestsInFlight);
        var started = Interlocked.Read(ref _requestsStarted);
        var quietSinceLastCheck = inFlight == 0 && started == _requestsStartedAtLastCheck;
        _requestsStartedAtLastCheck = started;
        if (!quietSinceLastCheck || allocatedBytes() - _allocatedAtLastGiveBack < worthGivingBackBytes)
        {
            return false;
        }

        ProcessMemory.GiveBack();
        _allocatedAtLastGiveBack = allocatedBytes();
        Interlocked.Increment(ref _gaveBack);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(quiet);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            GiveBackIfQuiet();
        }
    }
}
