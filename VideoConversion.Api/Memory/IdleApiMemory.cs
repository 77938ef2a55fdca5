namespace VideoConversion.Api.Memory;

/// <summary>
/// Gives the API's memory back to the machine (<see cref="ProcessMemory.GiveBack"/>) once a whole quiet period
/// (<see cref="DefaultQuiet"/>) passed with no request started or in flight, if the API allocated enough since it last did
/// for there to be something to give back (<see cref="DefaultWorthGivingBack"/>). Without it the API keeps, for as long as
/// it sits idle, the heap a burst of requests grew: garbage in the oldest generation and free space the collector keeps
/// committed.
/// </summary>
/// <remarks>
/// Requests are counted by <see cref="IdleApiMemoryExtensions.UseIdleApiMemory"/>, on both ports. Health probes, metric
/// scrapes and the API's own timers allocate kilobytes each: together they reach the allocation floor only every so many
/// minutes, so an idle API collects that rarely, not after every probe. Work that is not a request (the outbox, workers'
/// reports) may run during a collection: it waits the collection's milliseconds.
/// </remarks>
/// <param name="allocatedBytes">The bytes the process has allocated so far (tests count their own).</param>
/// <param name="giveBack">What gives memory back (tests count the calls).</param>
public sealed class IdleApiMemory(TimeSpan quiet, long worthGivingBackBytes, Func<long> allocatedBytes, Action giveBack)
    : BackgroundService
{
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromSeconds(2);

    /// <summary>Bytes allocated since the last give-back below which there is too little to give back.</summary>
    public const long DefaultWorthGivingBack = 16 * 1024 * 1024;

    private long _requestsStarted;
    private int _requestsInFlight;
    private int _gaveBack;

    // Touched only by the checks, which run one at a time (the timer's loop).
    private long _requestsStartedAtLastCheck = -1;
    private int _requestsInFlightAtLastCheck;
    private long _allocatedAtLastGiveBack;

    public IdleApiMemory()
        : this(DefaultQuiet, DefaultWorthGivingBack, () => GC.GetTotalAllocatedBytes(), ProcessMemory.GiveBack)
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
    /// Called once a quiet period, one call at a time: gives memory back if, since the last call, no request started and
    /// none was in flight, and enough was allocated since the last give-back. Whether it gave memory back.
    /// </summary>
    internal bool GiveBackIfQuiet()
    {
        // In-flight is read first: a request that starts after it is seen by the started count, which is read after it.
        var inFlight = Volatile.Read(ref _requestsInFlight);
        var started = Interlocked.Read(ref _requestsStarted);
        // A request in flight at the last check may have ended a moment ago: the period is whole only if none was.
        var quietSinceLastCheck = inFlight == 0 && _requestsInFlightAtLastCheck == 0 && started == _requestsStartedAtLastCheck;
        _requestsStartedAtLastCheck = started;
        _requestsInFlightAtLastCheck = inFlight;
        if (!quietSinceLastCheck || allocatedBytes() - _allocatedAtLastGiveBack < worthGivingBackBytes)
        {
            return false;
        }

        giveBack();
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
