using System.Collections.Concurrent;
using System.Diagnostics;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Calls started on a schedule (an open loop): the <c>i</c>-th is due at <c>i / rate</c> seconds, whether or not the
/// ones before it are answered, with at most <c>concurrency</c> in flight. Each call's latency runs from when it was due,
/// not from when a client was free to send it: a call kept waiting by slow answers before it counts its wait, as a user
/// arriving then would (no coordinated omission).
/// </summary>
/// <remarks>
/// Clients that each wait for an answer before the next call (a closed loop) measure capacity, and tie their rate to
/// their latency: rate × mean latency = clients (Little's law). At 1,000 calls a second from 32 such clients the mean is
/// 32 ms, whatever the server; latency at a given rate is what a schedule measures.
/// </remarks>
public static class PacedCalls
{
    /// <summary>How often the schedule wakes to start the calls that fell due: a call starts at most this late.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <param name="call">One call; true when it succeeded.</param>
    public static async Task<ApiBenchmark.Phase> MeasureAsync(
        string name, double rate, int calls, int concurrency, Func<Task<bool>> call, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var ticksPerCall = Stopwatch.Frequency / rate;
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        using var clients = new SemaphoreSlim(concurrency);
        List<Task> running = new(calls);
        var start = Stopwatch.GetTimestamp();
        for (var next = 0; next < calls && !cancellationToken.IsCancellationRequested;)
        {
            var now = Stopwatch.GetTimestamp();
            var due = start + (long)(next * ticksPerCall);
            if (now < due)
            {
                await Task.Delay(Tick, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }

            // Every call that fell due since the last tick starts now, each timed from its own due time. Waiting here for
            // a free client delays the calls behind it too, and they count that wait.
            for (; next < calls && start + (long)(next * ticksPerCall) <= now; next++)
            {
                await clients.WaitAsync(cancellationToken);
                running.Add(RunAsync(start + (long)(next * ticksPerCall)));
            }
        }

        await Task.WhenAll(running);
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ApiBenchmark.Phase(name, latencies.Count, errors, seconds, latencies.Count / seconds, Distribution.Of(latencies));

        async Task RunAsync(long due)
        {
            try
            {
                if (!await call())
                {
                    Interlocked.Increment(ref errors);
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                latencies.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
                clients.Release();
            }
        }
    }
}
