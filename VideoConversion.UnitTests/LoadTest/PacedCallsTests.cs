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
        var before = Stopwatch.GetTimestamp();

        var phase = await PacedCalls.MeasureAsync("GET /x", rate: 100, calls: 20, concurrency: 32, TimeSpan.FromMinutes(1), () =>
        {
            starts.Add(Stopwatch.GetTimestamp());
            return Task.FromResult(true);
        }, CancellationToken.None);

        // Instant answers: a closed loop would make the 20 calls at once. On a schedule of 100/s the last is due 190 ms after
        // the schedule began, and starts then at the earliest.
        Assert.Equal(20, phase.Calls);
        Assert.Equal(0, phase.Errors);
        Assert.True(Stopwatch.GetElapsedTime(before, starts.Max()) >= TimeSpan.FromMilliseconds(190),
            $"The last call started {Stopwatch.GetElapsedTime(before, starts.Max()).TotalMilliseconds:F0} ms after the schedule began.");
    }

    [Fact]
    public async Task A_call_kept_waiting_for_a_free_client_counts_its_wait_from_when_it_was_due()
    {
        // Two clients, 20 ms a call (15 at the least, should the timer return early): at most ~130 calls a second, offered
        // 1,000. The 200th call is due at 199 ms and cannot be answered before 1.5 s (100 rounds of two calls), so it waited
        // over a second, though no call itself took much more than 20 ms.
        var inFlight = 0;
        var mostInFlight = 0;
        var phase = await PacedCalls.MeasureAsync("POST /x", rate: 1000, calls: 200, concurrency: 2, TimeSpan.FromMinutes(1), async () =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref mostInFlight, now);
            await Task.Delay(20);
            Interlocked.Decrement(ref inFlight);
            return true;
        }, CancellationToken.None);

        Assert.Equal(200, phase.Calls);
        Assert.Equal(2, mostInFlight);
        Assert.True(phase.LatencyMilliseconds.Max >= 1000, $"The longest wait was {phase.LatencyMilliseconds.Max:F0} ms.");
        Assert.True(phase.PerSecond <= 150, $"{phase.PerSecond:F0} calls a second from two clients of 20 ms each.");

        static void InterlockedMax(ref int location, int value)
        {
            for (var seen = Volatile.Read(ref location); value > seen && Interlocked.CompareExchange(ref location, value, seen) != seen; seen = Volatile.Read(ref location))
            {
            }
        }
    }

    [Fact]
    public async Task The_slowest_calls_are_kept_with_when_they_were_due_so_a_stall_shows_as_a_bunch()
    {
        // 200 calls at 1,000/s (due 0-199 ms); the calls numbered 101-120 meet a 100 ms stall, the others answer at once.
        // The first collects the load tool's own garbage: a pause of its own, counted apart from the calls.
        var made = 0;
        var phase = await PacedCalls.MeasureAsync("POST /x", rate: 1000, calls: 200, concurrency: 64, TimeSpan.FromMinutes(1), async () =>
        {
            var number = Interlocked.Increment(ref made);
            if (number == 1)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            }

            if (number is > 100 and <= 120)
            {
                await Task.Delay(100);
            }

            return true;
        }, CancellationToken.None);

        var slowest = phase.SlowestCalls!;
        Assert.Equal(TimedCall.SlowestKept, slowest.Count);
        Assert.All(slowest, call => Assert.True(call.LatencyMilliseconds >= 95, $"A kept call took {call.LatencyMilliseconds:F0} ms."));
        // Started in order, so those calls were due from about 100 ms: the bunch is where the stall was, in the order due.
        Assert.All(slowest, call => Assert.InRange(call.AtMilliseconds, 99, 120));
        Assert.Equal(slowest.OrderBy(call => call.AtMilliseconds), slowest);
        Assert.True(phase.ClientPauseMilliseconds > 0, $"The load tool's pause: {phase.ClientPauseMilliseconds} ms.");
        // The schedule slept between calls due a millisecond apart: its latest wake-up is kept, within the pass, late by
        // less than the pass lasted.
        Assert.NotNull(phase.LatestTimer);
        Assert.InRange(phase.LatestTimer.AtMilliseconds, 0, phase.Seconds * 1000);
        Assert.InRange(phase.LatestTimer.LateMilliseconds, double.Epsilon, phase.Seconds * 1000);
    }

    [Fact]
    public async Task A_kept_call_is_placed_when_it_was_due_not_when_a_client_was_free_to_start_it()
    {
        // One client; the first call takes 50 ms, the nine due behind it (1-9 ms) start only once it is answered.
        var made = 0;
        var phase = await PacedCalls.MeasureAsync("POST /x", rate: 1000, calls: 10, concurrency: 1, TimeSpan.FromMinutes(1), async () =>
        {
            if (Interlocked.Increment(ref made) == 1)
            {
                await Task.Delay(50);
            }

            return true;
        }, CancellationToken.None);

        var kept = phase.SlowestCalls!;
        Assert.Equal(10, kept.Count);
        Assert.All(kept, call => Assert.True(call.AtMilliseconds < 10.5, $"A call placed at {call.AtMilliseconds:F1} ms, not when it was due."));
        // Each waited for the first's 50 ms from its own due time: the later it was due, the less it waited.
        Assert.All(kept.Skip(1), call => Assert.True(call.LatencyMilliseconds >= 35, $"A call due at {call.AtMilliseconds:F1} ms took {call.LatencyMilliseconds:F1} ms."));
    }

    [Fact]
    public async Task Failed_calls_refused_connections_and_timeouts_are_counted_as_errors()
    {
        var made = 0;

        var phase = await PacedCalls.MeasureAsync("POST /x", rate: 1000, calls: 9, concurrency: 4, TimeSpan.FromMinutes(1), () =>
        {
            var number = Interlocked.Increment(ref made);
            return number switch
            {
                8 => Task.FromException<bool>(new TaskCanceledException("past the client's time limit")),
                _ when number % 3 == 0 => Task.FromResult(false),
                _ when number % 3 == 1 => Task.FromException<bool>(new HttpRequestException("refused")),
                _ => Task.FromResult(true),
            };
        }, CancellationToken.None);

        // 1, 4, 7 refused; 3, 6, 9 failed; 8 timed out; 2 and 5 succeeded.
        Assert.Equal(9, phase.Calls);
        Assert.Equal(7, phase.Errors);
    }

    [Fact]
    public async Task No_call_starts_after_the_phases_limit()
    {
        // 100 calls a second for 100 ms: about ten of the thousand asked for.
        var phase = await PacedCalls.MeasureAsync("GET /x", rate: 100, calls: 1000, concurrency: 32, TimeSpan.FromMilliseconds(100),
            () => Task.FromResult(true), CancellationToken.None);

        Assert.InRange(phase.Calls, 1, 50);
    }
}
