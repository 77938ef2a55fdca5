using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.UnitTests.Conversion;

public class ConversionPlannerTests
{
    private static readonly ConversionOptions Options = new();

    private static readonly StreamInfo SafeVideo = new()
    {
        Index = 0, Kind = StreamKind.Video, CodecName = "h264", Profile = "High", Level = 40, PixelFormat = "yuv420p",
        Width = 1920, Height = 1080, FieldOrder = "progressive", AverageFrameRate = 30, Duration = TimeSpan.FromSeconds(10),
    };

    private static readonly StreamInfo SafeAudio = new()
    {
        Index = 1, Kind = StreamKind.Audio, CodecName = "aac", Profile = "LC", Channels = 2, SampleRate = 48_000,
    };

    private static MediaInfo Media(string format, params StreamInfo[] streams) => new(format, TimeSpan.FromSeconds(10), streams);

    private static ConversionPlan Plan(params StreamInfo[] streams) => ConversionPlanner.Plan(Media("mov,mp4,m4a,3gp,3g2,mj2", streams), Options);

    [Fact]
    public void Browser_safe_h264_and_aac_in_mp4_is_remuxed()
    {
        var plan = Plan(SafeVideo, SafeAudio);
        Assert.True(plan.IsRemux);
        Assert.Equal("remux", plan.Method);
        Assert.Equal((1920, 1080), (plan.DisplayWidth, plan.DisplayHeight));
    }

    [Theory]
    [InlineData("High 10", "yuv420p10le")]
    [InlineData("High 4:4:4 Predictive", "yuv444p")]
    [InlineData("High 4:2:2", "yuv422p")]
    [InlineData("High", "yuvj420p")]
    [InlineData("Constrained Baseline", "yuv420p")]
    public void H264_that_is_not_8bit_420_main_or_high_is_transcoded(string profile, string pixelFormat)
    {
        var plan = Plan(SafeVideo with { Profile = profile, PixelFormat = pixelFormat }, SafeAudio);
        Assert.Equal("transcode video, copy audio", plan.Method);
    }

    [Fact]
    public void Interlaced_h264_is_transcoded_and_deinterlaced()
    {
        var plan = Plan(SafeVideo with { FieldOrder = "tt" });
        Assert.False(plan.CopyVideo);
        Assert.True(plan.Deinterlace);
    }

    [Fact]
    public void Only_the_audio_is_transcoded_when_it_is_ac3_or_surround_or_at_an_odd_rate()
    {
        Assert.Equal("copy video, transcode audio", Plan(SafeVideo, SafeAudio with { CodecName = "ac3", Profile = null }).Method);
        Assert.Equal("copy video, transcode audio", Plan(SafeVideo, SafeAudio with { Channels = 6 }).Method);
        Assert.Equal("copy video, transcode audio", Plan(SafeVideo, SafeAudio with { SampleRate = 22_254 }).Method);
    }

    [Fact]
    public void Mono_aac_lc_is_copied_as_browsers_play_it()
    {
        Assert.Equal("remux", Plan(SafeVideo, SafeAudio with { Channels = 1 }).Method);
        Assert.Equal("transcode video, copy audio", Plan(SafeVideo with { PixelFormat = "yuvj420p" }, SafeAudio with { Channels = 1, SampleRate = 16_000 }).Method);
    }

    [Fact]
    public void Streams_from_containers_with_unreliable_timestamps_are_not_copied()
    {
        var plan = ConversionPlanner.Plan(Media("avi", SafeVideo, SafeAudio), Options);
        Assert.Equal("transcode", plan.Method);
    }

    [Fact]
    public void Stream_copy_can_be_switched_off()
    {
        var plan = ConversionPlanner.Plan(Media("matroska,webm", SafeVideo, SafeAudio), new ConversionOptions { AllowStreamCopy = false });
        Assert.Equal("transcode", plan.Method);
    }

    [Fact]
    public void The_default_audio_track_is_kept_or_else_the_first()
    {
        var first = SafeAudio with { Index = 1 };
        var second = SafeAudio with { Index = 2, IsDefault = true };
        Assert.Equal(2, Plan(SafeVideo, first, second).Audio!.Index);
        Assert.Equal(1, Plan(SafeVideo, first, second with { IsDefault = false }).Audio!.Index);
        Assert.Null(Plan(SafeVideo).Audio);
    }

    [Fact]
    public void A_cover_picture_is_never_taken_for_the_video()
    {
        var cover = SafeVideo with { Index = 0, CodecName = "mjpeg", IsAttachedPicture = true, IsDefault = true, Width = 600, Height = 600 };
        Assert.Equal(1, Plan(cover, SafeVideo with { Index = 1 }).Video.Index);
    }

    [Fact]
    public void Rotation_and_non_square_pixels_decide_the_displayed_size()
    {
        Assert.Equal((1080, 1920), Size(Plan(SafeVideo with { Rotation = 90 })));
        Assert.Equal((1080, 1920), Size(Plan(SafeVideo with { Rotation = 270, Profile = "Baseline" })));
        var dvd = SafeVideo with { CodecName = "mpeg2video", Width = 720, Height = 480, SampleAspectRatio = 8.0 / 9 };
        Assert.Equal((640, 480), Size(Plan(dvd)));
        Assert.Equal((320, 240), Size(Plan(SafeVideo with { CodecName = "mjpeg", Width = 321, Height = 241 })));
    }

    [Fact]
    public void A_quarter_turned_transcode_with_non_square_pixels_is_turned_first_then_scaled_across()
    {
        // FFmpeg turns the picture before the filters, which inverts the pixel shape (4:3 → 3:4);
        // the scaler then narrows the width: 1920×1080 at 4:3 shows as 1080/(4/3) = 810 × 1920.
        var anamorphic = SafeVideo with { Rotation = 90, SampleAspectRatio = 4.0 / 3 };
        Assert.Equal((810, 1920), Size(Plan(anamorphic)));
    }

    [Fact]
    public void The_expected_duration_is_the_longest_kept_stream()
    {
        var plan = Plan(SafeVideo with { Duration = TimeSpan.FromSeconds(9) }, SafeAudio with { Duration = TimeSpan.FromSeconds(9.5) });
        Assert.Equal(TimeSpan.FromSeconds(9.5), plan.Duration);
    }

    [Fact]
    public void The_expected_duration_spans_from_the_first_stream_start_to_the_last_stream_end()
    {
        var plan = Plan(
            SafeVideo with { StartTime = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(9) },
            SafeAudio with { StartTime = TimeSpan.FromSeconds(2), Duration = TimeSpan.FromSeconds(9) });
        Assert.Equal(TimeSpan.FromSeconds(10.5), plan.Duration);
    }

    [Fact]
    public void Aac_at_a_non_standard_sample_rate_is_not_copied()
    {
        Assert.Equal("copy video, transcode audio", Plan(SafeVideo, SafeAudio with { SampleRate = 22_254 }).Method);
    }

    [Fact]
    public void Hdr_h264_is_not_copied()
    {
        Assert.False(Plan(SafeVideo with { ColorTransfer = "arib-std-b67" }).CopyVideo);
    }

    [Fact]
    public void A_portrait_video_is_held_to_the_same_limits_as_a_landscape_one()
    {
        Plan(SafeVideo with { Width = 4320, Height = 7680 });
        var failure = Assert.Throws<ConversionFailedException>(() => Plan(SafeVideo with { Width = 4322, Height = 7680 }));
        Assert.Equal("The video is 4322×7680 pixels; the largest accepted is 7680×4320.", failure.Message);
    }

    [Fact]
    public void The_frame_count_is_estimated_when_the_container_does_not_state_it()
    {
        var options = new ConversionOptions { MaxFrameCount = 299 };
        var failure = Assert.Throws<ConversionFailedException>(() => ConversionPlanner.Plan(Media("matroska,webm", SafeVideo), options));
        Assert.Equal("The video has 300 frames; the most accepted is 299.", failure.Message);
    }

    private static (int, int) Size(ConversionPlan plan) => (plan.DisplayWidth, plan.DisplayHeight);

    [Theory]
    [InlineData(7680, 4320, 0, 3840, 2160)]
    [InlineData(4320, 7680, 0, 2160, 3840)]
    [InlineData(7680, 4320, 90, 2160, 3840)]
    [InlineData(5120, 2880, 0, 3840, 2160)]
    [InlineData(7680, 1080, 0, 3840, 540)]
    public void Pictures_larger_than_4k_are_scaled_down_to_fit_keeping_shape_and_orientation(
        int width, int height, int rotation, int expectedWidth, int expectedHeight)
    {
        var plan = Plan(SafeVideo with { CodecName = "hevc", Profile = "Main", Width = width, Height = height, Rotation = rotation, AverageFrameRate = 24 });
        Assert.False(plan.CopyVideo);
        Assert.True(plan.ScalesDown);
        Assert.Equal((expectedWidth, expectedHeight), (plan.DisplayWidth, plan.DisplayHeight));
        Assert.Null(plan.FrameRateCap);
    }

    [Theory]
    [InlineData(3840, 2160, 60, 30)]
    [InlineData(7680, 4320, 60, 30)]
    [InlineData(1920, 1080, 240, 120)]
    [InlineData(3840, 2160, 30, null)]
    [InlineData(1920, 1080, 60, null)]
    public void The_frame_rate_is_capped_only_where_level_5_1_needs_it(int width, int height, double fps, int? expectedCap)
    {
        var plan = Plan(SafeVideo with { CodecName = "hevc", Profile = "Main", Width = width, Height = height, AverageFrameRate = fps });
        Assert.Equal(expectedCap, plan.FrameRateCap);
        var rate = expectedCap ?? fps;
        Assert.True(BrowserCompatibility.Macroblocks(plan.DisplayWidth, plan.DisplayHeight) * rate <= BrowserCompatibility.MaxMacroblocksPerSecond);
    }

    [Theory]
    [InlineData(52)]
    [InlineData(null)]
    public void H264_above_level_5_1_or_of_unknown_level_is_not_copied(int? level)
    {
        Assert.False(Plan(SafeVideo with { Level = level }, SafeAudio).CopyVideo);
    }

    [Fact]
    public void A_transcode_past_the_pixel_budget_is_refused_before_any_work()
    {
        // 8K at 60 fps for an hour: 7.2 × 10^12 pixels.
        var huge = SafeVideo with { CodecName = "hevc", Profile = "Main", Width = 7680, Height = 4320, AverageFrameRate = 60, Duration = TimeSpan.FromHours(1) };
        var failure = Assert.Throws<ConversionFailedException>(() =>
            ConversionPlanner.Plan(new MediaInfo("matroska,webm", TimeSpan.FromHours(1), [huge]), Options));
        Assert.Equal(VideoConversion.Contracts.Jobs.FailureCause.LimitExceeded, failure.Cause);
        Assert.Contains("too much work for one job", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_remux_does_not_count_against_the_pixel_budget()
    {
        var longButSafe = SafeVideo with { Duration = TimeSpan.FromHours(3.9), AverageFrameRate = 60, Level = 42 };
        var plan = ConversionPlanner.Plan(new MediaInfo("matroska,webm", TimeSpan.FromHours(3.9), [longButSafe]), new ConversionOptions { MaxPixels = 1e9 });
        Assert.True(plan.IsRemux);
    }

    [Fact]
    public void Every_picture_an_hls_ladder_encodes_counts_against_the_pixel_budget()
    {
        // An hour of 1080p30 is 0.22 × 10^12 pixels; with the MP4 and the four renditions encoded it is 0.62 × 10^12.
        var hour = SafeVideo with { CodecName = "mpeg4", Profile = "Simple", Duration = TimeSpan.FromHours(1) };
        var media = new MediaInfo("avi", TimeSpan.FromHours(1), [hour]);
        var budget = new ConversionOptions { MaxPixels = 0.4e12 };

        Assert.False(ConversionPlanner.Plan(media, budget).CopyVideo);
        var failure = Assert.Throws<ConversionFailedException>(() =>
            ConversionPlanner.Plan(media, budget, outputs: [OutputKinds.Mp4, OutputKinds.Hls]));
        Assert.Contains("every output asked for", failure.Message, StringComparison.Ordinal);
        Assert.Contains("or fewer outputs", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_remux_with_a_ladder_keeps_the_copy_and_plans_the_renditions_from_the_display_size()
    {
        var plan = ConversionPlanner.Plan(Media("mov,mp4,m4a,3gp,3g2,mj2", SafeVideo, SafeAudio), Options, outputs: [OutputKinds.Mp4, OutputKinds.Hls, OutputKinds.Poster]);

        Assert.True(plan.IsRemux);
        Assert.True(plan.Outputs.DecodesVideo);
        Assert.Equal(["1080p", "720p", "480p", "360p"], plan.Outputs.Hls!.Renditions.Select(rendition => rendition.Name));
        Assert.Equal(30, plan.Outputs.Hls.FrameRate);
        Assert.Equal((1280, 720), (plan.Outputs.Poster!.Width, plan.Outputs.Poster.Height));
    }
}
