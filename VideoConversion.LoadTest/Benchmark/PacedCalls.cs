using System.Collections.Concurrent;
using System.Diagnostics;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Calls started on a schedule (an open loop): the <c>i</c>-th is due at <c>i / rate</c> seconds, whether or not the
/// ones before it are answered, with at most <c>concurrency</c> in flight. Each call's latency runs from when it was due,
/// not from when a client was free to send it: a call kept waiting by slow answers before it counts its wait, as a user
/// arriving then would (no coordinated omission).
/// </summary>
/// <remarks>
/// Clients that each wait for an answer before the next call (a closed loop) measure capacity, and tie their rate to
/// their latency: rate × mean latency = clients (Little's law). 32 such clients running at exactly 1,000 calls a second
/// wait 32 ms on average; a faster server lets them run faster instead. Latency at a given rate is what a schedule measures.
/// </remarks>
public static class PacedCalls
{
    /// <summary>
    /// How often the schedule wakes to start the calls that fell due. The timer wakes late when the machine is busy (a few
    /// ms on a loaded 2-core machine); a call started late is still timed from when it was due, so that lateness counts
    /// against the server, never for it.
    /// </summary>
    internal static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <param name="calls">Calls to make at most.</param>
    /// <param name="limit">No call is started after this long: a slow system ends the phase early rather than late.</param>
    /// <param name="call">One call; true when it succeeded.</param>
    public static async Task<ApiBenchmark.Phase> MeasureAsync(
        string name, double rate, int calls, int concurrency, TimeSpan limit, Func<Task<bool>> call, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        ArgumentOutOfRangeException.ThrowIfNegative(calls);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrency);
        var ticksPerCall = Stopwatch.Frequency / rate;
        var timed = new ConcurrentBag<TimedCall>();
        var errors = 0;
        using var clients = new SemaphoreSlim(concurrency);
        List<Task> running = new(calls);
        var paused = GC.GetTotalPauseDuration();
        LateTimer? latestTimer = null;
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (var next = 0; next < calls && Stopwatch.GetElapsedTime(start) < limit;)
            {
                var now = Stopwatch.GetTimestamp();
                if (now < start + (long)(next * ticksPerCall))
                {
                    await Task.Delay(Tick, cancellationToken);
                    // Past its tick, the timer was kept from running: by this process's own work or pauses, or by the machine.
                    var late = (Stopwatch.GetElapsedTime(now) - Tick).TotalMilliseconds;
                    if (late > (latestTimer?.LateMilliseconds ?? 0))
                    {
                        latestTimer = new LateTimer(Stopwatch.GetElapsedTime(start, now).TotalMilliseconds, late);
                    }

                    continue;
                }

                // Every call that fell due since the last tick starts now, each timed from its own due time. Waiting here
                // for a free client delays the calls behind it too, and they count that wait.
                for (; next < calls && start + (long)(next * ticksPerCall) <= now; next++)
                {
                    // A system too slow for the schedule holds every client: the phase ends at its limit, not after the
                    // backlog (the calls running still finish, within the client's own time limit).
                    var left = limit - Stopwatch.GetElapsedTime(start);
                    if (left <= TimeSpan.Zero || !await clients.WaitAsync(left, cancellationToken))
                    {
                        next = calls;
                        break;
                    }

                    running.Add(RunAsync(start + (long)(next * ticksPerCall)));
                }
            }
        }
        finally
        {
            // Cancelled or not, the calls started are awaited before their clients' semaphore goes.
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(running); // a call that failed in an unexpected way fails the phase
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return ApiBenchmark.Phase.Of(name, timed, errors, seconds, paused, latestTimer);

        async Task RunAsync(long due)
        {
            try
            {
                if (!await call())
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (Exception exception) when (ApiBenchmark.IsFailedCall(exception, cancellationToken))
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                timed.Add(new TimedCall(
                    Stopwatch.GetElapsedTime(start, due).TotalMilliseconds, Stopwatch.GetElapsedTime(due).TotalMilliseconds));
                clients.Release();
            }
        }
    }
}
