using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Trims the C heap (<see cref="NativeHeap"/>) every <see cref="DefaultPeriod"/>. The JIT allocates and frees megabytes
/// in bursts as it recompiles hot methods under load; glibc keeps the freed pages, fragmented between blocks still in
/// use, so a service's resident memory kept the high-water mark of its native allocations for good. Measured on the
/// API, idle after 16 jobs (Release, 2 cores): 198–204 MiB resident without it, 193–195 MiB with it.
/// </summary>
/// <remarks>
/// A trim holds each arena's lock while it walks the arena's free chunks, and pages it released are faulted in again when
/// reused. Once every 5 s that is too little to show: the API's rates under 32 clients with it were within the spread of
/// those before it. A fixed period needs no notion of idle, which the API, serving requests, does not have.
/// </remarks>
public sealed partial class NativeHeapTrimming(ILogger<NativeHeapTrimming> logger, TimeSpan period) : BackgroundService
{
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(5);

    private int _trims;

    public NativeHeapTrimming(ILogger<NativeHeapTrimming> logger)
        : this(logger, DefaultPeriod)
    {
    }

    /// <summary>How many trims have run.</summary>
    public int Trims => Volatile.Read(ref _trims);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!NativeHeap.CanTrim)
        {
            LogUnavailable(logger);
            return;
        }

        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            NativeHeap.Trim();
            Interlocked.Increment(ref _trims);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "glibc's malloc_trim was not found: the C heap is not trimmed.")]
    private static partial void LogUnavailable(ILogger logger);
}
