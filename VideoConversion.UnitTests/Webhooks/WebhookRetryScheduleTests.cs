using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Webhooks;

/// <summary>When a failed webhook delivery is tried again, and when it is given up.</summary>
public class WebhookRetryScheduleTests
{
    [Fact]
    public void The_default_schedule_keeps_trying_for_more_than_24_hours_in_8_attempts()
    {
        var schedule = new WebhookOptions().Schedule();

        Assert.Equal(8, schedule.Attempts);
        Assert.True(schedule.Span > TimeSpan.FromHours(24), $"the default schedule spans {schedule.Span}");
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 300)]
    [InlineData(7, 36_000)]
    public void Each_wait_is_the_configured_one_lengthened_by_at_most_a_fifth(int failedAttempts, double seconds)
    {
        var schedule = new WebhookOptions().Schedule();

        Assert.Equal(TimeSpan.FromSeconds(seconds), schedule.WaitAfter(failedAttempts, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(seconds * 1.1), schedule.WaitAfter(failedAttempts, random: 0.5));
        Assert.Equal(TimeSpan.FromSeconds(seconds * 1.2), schedule.WaitAfter(failedAttempts, random: 1));
    }

    [Fact]
    public void Spread_waits_differ_so_endpoints_that_failed_together_are_not_retried_together()
    {
        var schedule = new WebhookOptions().Schedule();
        var random = new Random(18);

        var waits = Enumerable.Range(0, 100).Select(_ => schedule.WaitAfter(3, random.NextDouble())!.Value).ToList();

        Assert.All(waits, wait => Assert.InRange(wait, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(36)));
        Assert.True(waits.Distinct().Count() > 90, "100 jittered waits should hardly ever coincide");
    }

    [Fact]
    public void After_the_last_attempt_there_is_no_other()
    {
        Assert.True(WebhookRetrySchedule.TryParse("00:00:01, 00:00:02", out var schedule));

        Assert.Equal(3, schedule.Attempts);
        Assert.NotNull(schedule.WaitAfter(2, random: 0));
        Assert.Null(schedule.WaitAfter(3, random: 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("five seconds")]
    [InlineData("00:00:05,-00:00:01")]
    [InlineData("5")]
    [InlineData("00:00:05,8.00:00:00")]
    public void A_schedule_without_waits_or_with_a_bad_one_is_refused(string text) =>
        Assert.False(WebhookRetrySchedule.TryParse(text, out _));
}
