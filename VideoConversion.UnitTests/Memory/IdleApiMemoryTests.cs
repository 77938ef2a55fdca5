using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Api.Memory;

namespace VideoConversion.UnitTests.Memory;

/// <summary>The API gives memory back once requests have stopped for a quiet period, and only when a burst left something to give back.</summary>
public sealed class IdleApiMemoryTests
{
    private const long Worth = 16 * 1024 * 1024;

    private long _allocated;

    private IdleApiMemory NewMemory() => new(TimeSpan.FromSeconds(2), Worth, () => _allocated);

    [Fact]
    public void A_burst_of_requests_is_given_back_once_a_whole_quiet_period_passed_without_one()
    {
        var memory = NewMemory();
        Serve(memory, requests: 100);
        _allocated += Worth;

        Assert.False(memory.GiveBackIfQuiet()); // requests came since the last check
        Assert.True(memory.GiveBackIfQuiet());
        Assert.Equal(1, memory.GaveBack);
        // Still quiet, but nothing allocated since: nothing to give back.
        Assert.False(memory.GiveBackIfQuiet());

        Serve(memory, requests: 1);
        _allocated += Worth;
        Assert.False(memory.GiveBackIfQuiet());
        Assert.True(memory.GiveBackIfQuiet());
        Assert.Equal(2, memory.GaveBack);
    }

    [Fact]
    public void Requests_that_keep_coming_hold_it_off()
    {
        var memory = NewMemory();
        _allocated += 10 * Worth;

        for (var period = 0; period < 5; period++)
        {
            Serve(memory, requests: 1);
            Assert.False(memory.GiveBackIfQuiet());
        }

        Assert.Equal(0, memory.GaveBack);
    }

    [Fact]
    public void A_request_in_flight_holds_it_off_until_it_ends()
    {
        var memory = NewMemory();
        _allocated += Worth;
        memory.RequestStarted();

        Assert.False(memory.GiveBackIfQuiet());
        Assert.False(memory.GiveBackIfQuiet()); // no new request, but one still being served

        memory.RequestEnded();
        Assert.True(memory.GiveBackIfQuiet());
    }

    [Fact]
    public void Probes_and_scrapes_alone_allocate_too_little_to_set_it_off()
    {
        var memory = NewMemory();
        for (var period = 0; period < 5; period++)
        {
            Serve(memory, requests: 1);
            _allocated += 64 * 1024;
            Assert.False(memory.GiveBackIfQuiet());
            Assert.False(memory.GiveBackIfQuiet());
        }

        Assert.Equal(0, memory.GaveBack);
    }

    [Fact]
    public async Task The_pipeline_counts_every_request_while_it_is_served_failed_ones_too()
    {
        var memory = NewMemory();
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
        Assert.False(memory.GiveBackIfQuiet()); // the first check only sets where counting starts

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

    private static void Serve(IdleApiMemory memory, int requests)
    {
        for (var request = 0; request < requests; request++)
        {
            memory.RequestStarted();
            memory.RequestEnded();
        }
    }
}
