using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VideoConversion.Api.Memory;

namespace VideoConversion.UnitTests.Memory;

/// <summary>
/// The API gives memory back once a whole quiet period passed without a request, and only when it allocated enough since
/// the last time for there to be something to give back.
/// </summary>
public sealed class IdleApiMemoryTests
{
    private const long Worth = 16 * 1024 * 1024;

    private long _allocated;
    private int _giveBacks;

    private IdleApiMemory NewMemory(TimeSpan? quiet = null) =>
        new(quiet ?? TimeSpan.FromSeconds(2), Worth, () => Volatile.Read(ref _allocated), () => Interlocked.Increment(ref _giveBacks));

    /// <summary>A memory whose first check, which only sets where counting starts, was made.</summary>
    private IdleApiMemory CheckedMemory()
    {
        var memory = NewMemory();
        Assert.False(memory.GiveBackIfQuiet());
        return memory;
    }

    [Fact]
    public void A_burst_of_requests_is_given_back_once_a_whole_quiet_period_passed_without_one()
    {
        var memory = CheckedMemory();
        Serve(memory, requests: 100);
        _allocated += Worth;

        Assert.False(memory.GiveBackIfQuiet()); // the burst came in this period
        Assert.True(memory.GiveBackIfQuiet());
        Assert.Equal(1, _giveBacks);
        Assert.Equal(1, memory.GaveBack);
        // Still quiet, but nothing allocated since: nothing to give back.
        Assert.False(memory.GiveBackIfQuiet());

        Serve(memory, requests: 1);
        _allocated += Worth;
        Assert.False(memory.GiveBackIfQuiet());
        Assert.True(memory.GiveBackIfQuiet());
        Assert.Equal(2, _giveBacks);
    }

    [Fact]
    public void Requests_that_keep_coming_hold_it_off()
    {
        var memory = CheckedMemory();
        _allocated += 10 * Worth;

        for (var period = 0; period < 5; period++)
        {
            Serve(memory, requests: 1);
            Assert.False(memory.GiveBackIfQuiet());
        }

        Assert.Equal(0, _giveBacks);
    }

    [Fact]
    public void A_request_in_flight_holds_it_off_until_a_whole_period_passed_after_it()
    {
        var memory = CheckedMemory();
        _allocated += Worth;
        memory.RequestStarted();

        Assert.False(memory.GiveBackIfQuiet()); // it started in this period
        Assert.False(memory.GiveBackIfQuiet()); // no new request, but one still being served

        memory.RequestEnded();
        Assert.False(memory.GiveBackIfQuiet()); // it was in flight at the last check: it may have ended a moment ago
        Assert.True(memory.GiveBackIfQuiet());
    }

    [Fact]
    public void Probes_alone_set_it_off_once_per_floor_of_allocation_not_after_each_one()
    {
        var memory = CheckedMemory();
        const long probe = 64 * 1024;
        var periodsToFloor = (int)(Worth / probe);
        var gaveBackAt = new List<int>();
        for (var period = 1; period <= periodsToFloor + 50; period++)
        {
            Serve(memory, requests: 1);
            _allocated += probe;
            Assert.False(memory.GiveBackIfQuiet()); // the probe came in this period
            if (memory.GiveBackIfQuiet())
            {
                gaveBackAt.Add(period);
            }
        }

        Assert.Equal([periodsToFloor], gaveBackAt);
    }

    [Fact]
    public async Task The_pipeline_counts_every_request_while_it_is_served_failed_ones_too()
    {
        var memory = CheckedMemory();
        var services = new ServiceCollection().AddSingleton(memory).BuildServiceProvider();
        var app = new ApplicationBuilder(services);
        app.UseIdleApiMemory();
        var inFlightWhileServed = -1;
        app.Run(context =>
        {
            inFlightWhileServed = memory.RequestsInFlight;
            return context.Request.Path == "/fails" ? throw new InvalidOperationException("the handler failed") : Task.CompletedTask;
        });
        var pipeline = app.Build();
        _allocated += Worth;

        await pipeline(new DefaultHttpContext());
        Assert.Equal(1, inFlightWhileServed);
        Assert.Equal(0, memory.RequestsInFlight);

        var failing = new DefaultHttpContext();
        failing.Request.Path = "/fails";
        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline(failing));
        Assert.Equal(0, memory.RequestsInFlight);

        Assert.False(memory.GiveBackIfQuiet()); // the requests were seen: no quiet period yet
        Assert.True(memory.GiveBackIfQuiet());
    }

    [Fact]
    public async Task Registered_it_runs_as_a_hosted_service_and_gives_back_on_its_own()
    {
        using var services = new ServiceCollection().AddIdleApiMemory().BuildServiceProvider();
        var registered = services.GetRequiredService<IdleApiMemory>();
        Assert.Same(registered, Assert.Single(services.GetServices<IHostedService>()));

        var memory = NewMemory(TimeSpan.FromMilliseconds(20));
        _allocated += Worth;
        await memory.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Volatile.Read(ref _giveBacks) == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.Equal(1, Volatile.Read(ref _giveBacks));
        }
        finally
        {
            await memory.StopAsync(CancellationToken.None);
        }
    }

    private static void Serve(IdleApiMemory memory, int requests)
    {
        for (var request = 0; request < requests; request++)
        {
            memory.RequestStarted();
            memory.RequestEnded();
        }
    }
}
