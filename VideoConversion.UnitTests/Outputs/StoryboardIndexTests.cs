using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Planning;

namespace VideoConversion.UnitTests.Outputs;

public class StoryboardIndexTests
{
    private static readonly StoryboardPlan Plan = new(160, 90, 3, 2, TimeSpan.FromSeconds(2));

    [Fact]
    public void Each_cue_points_at_its_tile_and_the_last_one_reaches_the_end()
    {
        var vtt = StoryboardIndex.Write(Plan, tiles: 8, TimeSpan.FromSeconds(15.2));

        Assert.StartsWith("WEBVTT\n", vtt, StringComparison.Ordinal);
        Assert.Contains("00:00:00.000 --> 00:00:02.000\nsheet001.jpg#xywh=0,0,160,90\n", vtt, StringComparison.Ordinal);
        Assert.Contains("00:00:08.000 --> 00:00:10.000\nsheet001.jpg#xywh=160,90,160,90\n", vtt, StringComparison.Ordinal);
        // The seventh tile opens the second sheet of 3 × 2.
        Assert.Contains("00:00:12.000 --> 00:00:14.000\nsheet002.jpg#xywh=0,0,160,90\n", vtt, StringComparison.Ordinal);
        Assert.EndsWith("00:00:14.000 --> 00:00:15.200\nsheet002.jpg#xywh=160,0,160,90\n", vtt, StringComparison.Ordinal);

        var cues = StoryboardIndex.Cues(vtt);
        Assert.Equal(8, cues.Count);
        Assert.Equal(TimeSpan.FromSeconds(15.2), cues[^1].End);
    }

    [Fact]
    public void Fewer_pictures_than_planned_still_cover_the_video_and_extra_ones_are_dropped()
    {
        var short_ = StoryboardIndex.Cues(StoryboardIndex.Write(Plan, tiles: 3, TimeSpan.FromSeconds(7)));
        Assert.Equal((TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(7)), short_[^1]);

        var extra = StoryboardIndex.Cues(StoryboardIndex.Write(Plan, tiles: 6, TimeSpan.FromSeconds(8)));
        Assert.Equal(4, extra.Count);
        Assert.Equal(TimeSpan.FromSeconds(8), extra[^1].End);
    }
}
