using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Trims the C heap (<see cref="NativeHeap"/>) every <see cref="DefaultPeriod"/>. The JIT allocates and frees megabytes
/// in bursts as it recompiles hot methods under load; glibc keeps the freed pages, fragmented between blocks still in
/// use, so a service's resident memory kept the high-water mark of its native allocations for good. Measured on the
/// API after 16 jobs (Release, 2 cores): 198–201 MiB resident, 183–193 MiB after one trim.
/// </summary>
/// <remarks>
/// A trim holds each arena's lock while it walks the arena's free chunks: well under a millisecond on a service's heap
/// of a few tens of megabytes, so a fixed period costs nothing measurable even under load, and needs no notion of idle.
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "The C library is not glibc: its heap is not trimmed.")]
    private static partial void LogUnavailable(ILogger logger);
}
