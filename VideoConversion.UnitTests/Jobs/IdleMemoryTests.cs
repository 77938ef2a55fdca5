using VideoConversion.Worker.Jobs;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>A worker gives memory back once it has held no job for a quiet period, and never between back-to-back jobs.</summary>
public sealed class IdleMemoryTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_worker_that_stays_idle_gives_memory_back()
    {
        var memory = new IdleMemory(Quiet);

        Assert.True(await memory.Idle());
        Assert.Equal(1, memory.GaveBack);
    }

    [Fact]
    public async Task A_job_taken_within_the_quiet_period_calls_the_collection_off()
    {
        var memory = new IdleMemory(Quiet);
        var idle = memory.Idle();
        memory.Busy();

        Assert.False(await idle);
        Assert.Equal(0, memory.GaveBack);
    }

    [Fact]
    public async Task The_slots_report_idle_only_when_the_last_held_job_is_released()
    {
        var memory = new IdleMemory(Quiet);
        using var slots = new ConversionSlots(2, memory);
        slots.Took(0, 1000);
        slots.Took(1, 1000);

        slots.Released(0); // the other slot still holds a job: not idle
        await Task.Delay(Quiet * 6);
        Assert.Equal(0, memory.GaveBack);

        slots.Released(1);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (memory.GaveBack == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(Quiet);
        }

        Assert.Equal(1, memory.GaveBack);
    }
}
