using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion.Planning;

namespace VideoConversion.UnitTests.Outputs;

public class OutputPlansTests
{
    [Fact]
    public void The_mp4_alone_is_the_default_and_decodes_nothing_extra()
    {
        Assert.Same(OutputsPlan.Mp4Only, OutputsPlan.For(null, 1920, 1080, 30, TimeSpan.FromSeconds(20)));
        Assert.Same(OutputsPlan.Mp4Only, OutputsPlan.For(OutputKinds.Default, 1920, 1080, 30, TimeSpan.FromSeconds(20)));
        Assert.False(OutputsPlan.Mp4Only.DecodesVideo);
    }

    [Fact]
    public void Each_asked_output_is_planned_and_the_rest_are_not()
    {
        var plan = OutputsPlan.For([OutputKinds.Hls, OutputKinds.Poster], 1920, 1080, 30, TimeSpan.FromSeconds(20));
        Assert.False(plan.Mp4);
        Assert.NotNull(plan.Hls);
        Assert.NotNull(plan.Poster);
        Assert.Null(plan.Storyboard);
        Assert.True(plan.DecodesVideo);
    }

    [Fact]
    public void The_poster_is_upright_and_at_most_1280_pixels_long()
    {
        Assert.Equal((1280, 720), Size(PosterPlan.For(3840, 2160, TimeSpan.FromSeconds(60))));
        Assert.Equal((720, 1280), Size(PosterPlan.For(1080, 1920, TimeSpan.FromSeconds(60))));
        Assert.Equal((640, 360), Size(PosterPlan.For(640, 360, TimeSpan.FromSeconds(60))));

        static (int, int) Size(PosterPlan poster) => (poster.Width, poster.Height);
    }

    [Fact]
    public void The_poster_is_chosen_away_from_the_first_and_last_twentieth()
    {
        var poster = PosterPlan.For(1920, 1080, TimeSpan.FromSeconds(100));
        Assert.Equal(TimeSpan.FromSeconds(5), poster.WindowStart);
        Assert.Equal(TimeSpan.FromSeconds(95), poster.WindowEnd);
        Assert.Equal(PosterPlan.MaxCandidates, poster.Candidates);
        Assert.Equal(TimeSpan.FromSeconds(3), poster.CandidateInterval);
    }

    [Theory]
    [InlineData(20, 2, 10, 1)]    // a short clip: every 2 s, 10 tiles in one row
    [InlineData(300, 3, 10, 10)]  // five minutes: every 3 s, 100 tiles
    [InlineData(3600, 10, 10, 10)] // an hour: every 10 s, in several sheets
    public void Storyboard_tiles_come_every_2_to_10_seconds_by_length(int seconds, int interval, int columns, int rows)
    {
        var storyboard = StoryboardPlan.For(1920, 1080, TimeSpan.FromSeconds(seconds));
        Assert.Equal(TimeSpan.FromSeconds(interval), storyboard.Interval);
        Assert.Equal((columns, rows), (storyboard.Columns, storyboard.Rows));
        Assert.Equal((160, 90), (storyboard.TileWidth, storyboard.TileHeight));
    }

    [Fact]
    public void A_portrait_storyboard_has_portrait_tiles()
    {
        var storyboard = StoryboardPlan.For(1080, 1920, TimeSpan.FromSeconds(30));
        Assert.Equal((90, 160), (storyboard.TileWidth, storyboard.TileHeight));
    }

    [Fact]
    public void Output_names_are_checked_and_put_in_order()
    {
        Assert.Equal([OutputKinds.Mp4, OutputKinds.Hls, OutputKinds.Storyboard], OutputKinds.Normalize(["storyboard", " HLS", "mp4", "hls"], out _));
        Assert.Null(OutputKinds.Normalize(["mp4", "dash"], out var unknown));
        Assert.Equal("dash", unknown);
        Assert.Null(OutputKinds.Normalize([], out _));
        Assert.Equal(OutputKinds.Default, OutputKinds.Normalize(null, out _));
        Assert.Equal(["mp4", "poster"], OutputKinds.Split(OutputKinds.Join(["mp4", "poster"])));
    }

    [Fact]
    public void A_jobs_work_is_weighed_by_what_it_encodes()
    {
        Assert.Equal(1.0, OutputKinds.Work(OutputKinds.Default));
        Assert.Equal(2.85, OutputKinds.Work(OutputKinds.Supported), 3);
        Assert.Equal(1.75, OutputKinds.Work([OutputKinds.Hls]), 3);
        // A poster alone still decodes the whole video.
        Assert.Equal(1.0, OutputKinds.Work([OutputKinds.Poster]));
    }
}
