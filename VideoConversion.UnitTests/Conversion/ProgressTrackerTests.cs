using VideoConversion.Worker.Conversion.Runs;

namespace VideoConversion.UnitTests.Conversion;

public class ProgressTrackerTests
{
    [Fact]
    public void Computes_the_percentage_of_the_duration_from_out_time()
    {
        var tracker = new ProgressTracker(TimeSpan.FromSeconds(10));
        Assert.Equal(25, tracker.Update("out_time_us=2500000"));
        Assert.Equal(50, tracker.Update("out_time_ms=5000000")); // microseconds despite its name
    }

    [Fact]
    public void Reports_only_forward_movement()
    {
        var tracker = new ProgressTracker(TimeSpan.FromSeconds(10));
        Assert.Equal(40, tracker.Update("out_time_us=4000000"));
        Assert.Null(tracker.Update("out_time_us=4000000"));
        Assert.Null(tracker.Update("out_time_us=1000000"));
    }

    [Fact]
    public void Stays_below_100_until_ffmpeg_says_end()
    {
        var tracker = new ProgressTracker(TimeSpan.FromSeconds(10));
        Assert.Equal(99, tracker.Update("out_time_us=12000000"));
        Assert.Equal(100, tracker.Update("progress=end"));
    }

    [Theory]
    [InlineData("out_time_us=N/A")]
    [InlineData("frame=12")]
    [InlineData("progress=continue")]
    [InlineData("garbage")]
    [InlineData("")]
    public void Ignores_lines_that_say_nothing_about_time(string line)
    {
        Assert.Null(new ProgressTracker(TimeSpan.FromSeconds(10)).Update(line));
    }

    [Fact]
    public void Without_a_known_duration_only_the_end_is_reported()
    {
        var tracker = new ProgressTracker(null);
        Assert.Null(tracker.Update("out_time_us=5000000"));
        Assert.Equal(100, tracker.Update("progress=end"));
    }
}
