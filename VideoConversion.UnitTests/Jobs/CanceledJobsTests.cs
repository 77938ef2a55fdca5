using VideoConversion.Worker.Jobs;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>What a worker remembers of the cancellations it heard, and how it stops the run it is converting.</summary>
public sealed class CanceledJobsTests
{
    private readonly ManualClock _time = new();

    [Fact]
    public void A_running_job_is_stopped_when_its_run_is_canceled_and_not_by_another_run()
    {
        var canceled = new CanceledJobs(_time);
        using var running = canceled.Watch("job", run: 1);

        canceled.Cancel("job", run: 0);
        Assert.False(running.Canceled.IsCancellationRequested);
        canceled.Cancel("job", run: 1);
        Assert.True(running.Canceled.IsCancellationRequested);
    }

    [Fact]
    public void A_run_canceled_before_it_arrived_is_skipped_and_its_retry_is_not()
    {
        var canceled = new CanceledJobs(_time);
        canceled.Cancel("job", run: 0);

        Assert.True(canceled.IsCanceled("job", 0));
        using (var late = canceled.Watch("job", 0))
        {
            Assert.True(late.Canceled.IsCancellationRequested);
        }

        Assert.False(canceled.IsCanceled("job", 1));
        Assert.False(canceled.IsCanceled("other", 0));
    }

    [Fact]
    public void Cancellations_are_forgotten_after_their_memory_and_beyond_the_capacity_the_oldest_first()
    {
        var canceled = new CanceledJobs(_time);
        canceled.Cancel("old", 0);
        _time.Advance(CanceledJobs.Memory + TimeSpan.FromSeconds(1));
        Assert.False(canceled.IsCanceled("old", 0));

        canceled.Cancel("first", 0);
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < CanceledJobs.Capacity; i++)
        {
            canceled.Cancel($"job-{i}", 0);
        }

        Assert.False(canceled.IsCanceled("first", 0));
        Assert.True(canceled.IsCanceled($"job-{CanceledJobs.Capacity - 1}", 0));
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
