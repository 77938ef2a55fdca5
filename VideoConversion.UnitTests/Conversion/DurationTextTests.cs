using VideoConversion.Worker.Conversion;

namespace VideoConversion.UnitTests.Conversion;

public class DurationTextTests
{
    [Theory]
    [InlineData(2, "0:02")]
    [InlineData(59 * 60 + 59, "59:59")]
    [InlineData(4 * 3600, "4:00:00")]
    [InlineData(26 * 3600 + 61, "26:01:01")]
    public void Durations_read_as_hours_minutes_and_seconds_beyond_a_day_too(int seconds, string text)
    {
        Assert.Equal(text, DurationText.Of(TimeSpan.FromSeconds(seconds)));
    }
}
