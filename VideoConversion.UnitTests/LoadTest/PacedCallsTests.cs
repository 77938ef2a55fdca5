using System.Collections.Concurrent;
using System.Diagnostics;
using VideoConversion.LoadTest.Benchmark;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class PacedCallsTests
{
    [Fact]
    public async Task Calls_start_on_their_schedule_not_as_fast_as_answers_come()
    {
        var starts = new ConcurrentBag<long>();

        var phase = await PacedCalls.MeasureAsync("GET /x", rate: 100, calls: 20, concurrency: 32, () =>
        {
            starts.Add(Stopwatch.GetTimestamp());
            return Task.FromResult(true);
        }, CancellationToken.None);

        // Instant answers: a closed loop would make the 20 calls at once. On a schedule of 100/s the last starts 190 ms
        // after the first at the earliest.
        Assert.Equal(20, phase.Calls);
        Assert.Equal(0, phase.Errors);
        Assert.True(Stopwatch.GetElapsedTime(starts.Min(), starts.Max()) >= TimeSpan.FromMilliseconds(190),
            $"The calls started within {Stopwatch.GetElapsedTime(starts.Min(), starts.Max()).TotalMilliseconds:F0} ms.");
    }

    [Fact]
    public async Task A_call_kept_waiting_for_a_free_client_counts_its_wait_from_when_it_was_due()
    {
        // Two clients, 10 ms a call: 200 calls a second at most, offered 1,000. The 200th call is due at 199 ms and cannot be
        // answered before 1 s (100 rounds of two calls), so it waited at least 0.8 s, though no call took more than ~10 ms.
        var phase = await PacedCalls.MeasureAsync("POST /x", rate: 1000, calls: 200, concurrency: 2, async () =>
        {
            await Task.Delay(10);
            return true;
        }, CancellationToken.None);

        Assert.Equal(200, phase.Calls);
        Assert.True(phase.LatencyMilliseconds.Max >= 800, $"The longest wait was {phase.LatencyMilliseconds.Max:F0} ms.");
        Assert.True(phase.PerSecond <= 200, $"{phase.PerSecond:F0} calls a second from two clients of 10 ms each.");
    }

    [Fact]
    public async Task Failed_calls_and_refused_connections_are_counted_as_errors()
    {
        var made = 0;

        var phase = await PacedCalls.MeasureAsync("POST /x", rate: 1000, calls: 9, concurrency: 4, () => (Interlocked.Increment(ref made) % 3) switch
        {
            0 => Task.FromResult(false),
            1 => Task.FromException<bool>(new HttpRequestException("refused")),
            _ => Task.FromResult(true),
        }, CancellationToken.None);

        Assert.Equal(9, phase.Calls);
        Assert.Equal(6, phase.Errors);
    }
}
