using VideoConversion.Worker.Conversion.Planning;

namespace VideoConversion.UnitTests.Outputs;

public class HlsLadderTests
{
    private static IEnumerable<(string Name, int Width, int Height)> Ladder(int width, int height, double? frameRate = 30) =>
        HlsLadder.For(width, height, frameRate).Select(rendition => (rendition.Name, rendition.Width, rendition.Height));

    [Fact]
    public void A_1080p_source_gets_every_rung_best_first()
    {
        Assert.Equal([("1080p", 1920, 1080), ("720p", 1280, 720), ("480p", 852, 480), ("360p", 640, 360)], Ladder(1920, 1080));
    }

    [Fact]
    public void Nothing_is_made_above_the_source()
    {
        Assert.Equal([("360p", 640, 360)], Ladder(640, 360));
        Assert.Equal([("720p", 1280, 720), ("480p", 852, 480), ("360p", 640, 360)], Ladder(1280, 720));
    }

    [Fact]
    public void A_4k_source_tops_out_at_1080p()
    {
        Assert.Equal("1080p", HlsLadder.For(3840, 2160, 30)[0].Name);
        Assert.Equal((1920, 1080), (HlsLadder.For(3840, 2160, 30)[0].Width, HlsLadder.For(3840, 2160, 30)[0].Height));
    }

    [Fact]
    public void A_portrait_video_gets_portrait_renditions()
    {
        Assert.Equal([("1080p", 1080, 1920), ("720p", 720, 1280), ("480p", 480, 852), ("360p", 360, 640)], Ladder(1080, 1920));
    }

    [Fact]
    public void A_wide_film_keeps_its_shape_and_its_rung_names()
    {
        Assert.Equal([("1080p", 1920, 800), ("720p", 1280, 532), ("480p", 854, 354), ("360p", 640, 266)], Ladder(1920, 800));
    }

    [Fact]
    public void A_source_between_rungs_is_made_at_its_own_size_once_named_by_its_short_side()
    {
        Assert.Equal([("600p", 800, 600), ("480p", 640, 480), ("360p", 480, 360)], Ladder(800, 600));
    }

    [Fact]
    public void A_tiny_source_gets_one_rendition_with_a_floor_on_its_rate()
    {
        var ladder = HlsLadder.For(160, 120, 15);
        var only = Assert.Single(ladder);
        Assert.Equal(("120p", 160, 120), (only.Name, only.Width, only.Height));
        Assert.Equal(HlsLadder.MinBitrateKbps, only.MaxBitrateKbps);
    }

    [Fact]
    public void High_frame_rates_may_spend_half_as_much_again()
    {
        Assert.Equal(5_000, HlsLadder.For(1920, 1080, 30)[0].MaxBitrateKbps);
        Assert.Equal(7_500, HlsLadder.For(1920, 1080, 60)[0].MaxBitrateKbps);
    }

    [Fact]
    public void Every_rendition_has_even_sides_and_a_unique_name()
    {
        foreach (var (width, height) in new[] { (1918, 1078), (1000, 720), (1079, 1921), (333, 777), (4096, 2160) })
        {
            var ladder = HlsLadder.For(width, height, 25);
            Assert.All(ladder, rendition => Assert.True(rendition.Width % 2 == 0 && rendition.Height % 2 == 0, $"{rendition} is not even"));
            Assert.Equal(ladder.Count, ladder.Select(rendition => rendition.Name).Distinct().Count());
            Assert.All(ladder, rendition => Assert.True(rendition.Width <= width && rendition.Height <= height, $"{rendition} is above {width}×{height}"));
        }
    }
}
