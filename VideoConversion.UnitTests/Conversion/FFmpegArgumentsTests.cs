using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Commands;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.UnitTests.Conversion;

public class FFmpegArgumentsTests
{
    private static readonly ConversionOptions Options = new()
    {
        Preset = "veryfast", Crf = 23, AudioBitrate = "128k", MaxOutputBytes = 5_000_000,
        MaxDuration = TimeSpan.FromHours(4), MaxFrameCount = 864_000,
    };

    private static readonly StreamInfo Video = new() { Index = 2, Kind = StreamKind.Video, Width = 640, Height = 480 };
    private static readonly StreamInfo Audio = new() { Index = 4, Kind = StreamKind.Audio, Channels = 6, SampleRate = 96_000 };

    private static ConversionPlan Plan(bool copyVideo = false, bool copyAudio = false, StreamInfo? audio = null, bool deinterlace = false) => new()
    {
        Video = Video,
        Audio = audio,
        CopyVideo = copyVideo,
        CopyAudio = copyAudio,
        Deinterlace = deinterlace,
        DisplayWidth = 640,
        DisplayHeight = 480,
    };

    private static IReadOnlyList<string> Convert(ConversionPlan plan) =>
        FFmpegArguments.Convert("/scratch/input.avi", "/scratch/output.mp4", plan, Options);

    private static string ValueAfter(IReadOnlyList<string> arguments, string flag)
    {
        var index = arguments.ToList().IndexOf(flag);
        Assert.True(index >= 0 && index < arguments.Count - 1, $"{flag} is missing");
        return arguments[index + 1];
    }

    [Fact]
    public void Every_read_of_an_upload_is_sandboxed()
    {
        foreach (var arguments in new[] { FFmpegArguments.Probe("/scratch/input.avi"), Convert(Plan()) })
        {
            Assert.Equal("file", ValueAfter(arguments, "-protocol_whitelist"));
            Assert.Equal("mov,matroska,avi,flv,mpegts,mpeg,asf,ogg,gif", ValueAfter(arguments, "-format_whitelist"));
            var input = arguments.ToList().IndexOf("-i");
            Assert.True(arguments.ToList().IndexOf("-format_whitelist") < input, "input options must precede -i");
        }
    }

    [Fact]
    public void Ffmpeg_never_reads_the_terminal_and_its_output_size_is_bounded()
    {
        var arguments = Convert(Plan());
        Assert.Contains("-nostdin", arguments);
        Assert.Equal("5000000", ValueAfter(arguments, "-fs"));
    }

    [Fact]
    public void Ffmpeg_stops_just_past_the_duration_and_frame_limits_whatever_the_input_claims()
    {
        foreach (var arguments in new[] { Convert(Plan()), Convert(Plan(copyVideo: true, copyAudio: true, audio: Audio)) })
        {
            Assert.Equal("14401", ValueAfter(arguments, "-t"));
            Assert.Equal("864001", ValueAfter(arguments, "-frames:v"));
            Assert.True(arguments.ToList().IndexOf("-t") > arguments.ToList().IndexOf("-i"), "-t must limit the output, not the input");
        }
    }

    [Fact]
    public void A_transcode_encodes_h264_high_8bit_420_with_square_pixels_and_even_sizes()
    {
        var arguments = Convert(Plan());
        Assert.Equal("libx264", ValueAfter(arguments, "-c:v"));
        Assert.Equal("high", ValueAfter(arguments, "-profile:v"));
        Assert.Equal("yuv420p", ValueAfter(arguments, "-pix_fmt"));
        Assert.Equal("23", ValueAfter(arguments, "-crf"));
        Assert.Equal("veryfast", ValueAfter(arguments, "-preset"));
        Assert.Equal("vfr", ValueAfter(arguments, "-fps_mode"));
        Assert.Equal(
            "bwdif=mode=send_frame:parity=auto:deint=interlaced,scale=w=trunc(iw*sar/2)*2:h=trunc(ih/2)*2:out_range=tv,setsar=1,format=yuv420p",
            ValueAfter(arguments, "-vf"));
        Assert.DoesNotContain("-color_trc", arguments);
    }

    [Fact]
    public void Interlaced_video_is_deinterlaced_whole_and_other_video_where_frames_say_so()
    {
        Assert.StartsWith("bwdif=mode=send_frame:parity=auto:deint=all,", ValueAfter(Convert(Plan(deinterlace: true)), "-vf"), StringComparison.Ordinal);
        Assert.StartsWith("bwdif=mode=send_frame:parity=auto:deint=interlaced,", ValueAfter(Convert(Plan()), "-vf"), StringComparison.Ordinal);
    }

    [Fact]
    public void Hdr_video_is_tone_mapped_to_bt709_and_tagged_so()
    {
        var arguments = Convert(Plan() with { Video = Video with { ColorTransfer = "smpte2084" } });
        Assert.Contains("tonemap=tonemap=hable", ValueAfter(arguments, "-vf"), StringComparison.Ordinal);
        Assert.Equal(("bt709", "bt709", "bt709"),
            (ValueAfter(arguments, "-color_primaries"), ValueAfter(arguments, "-color_trc"), ValueAfter(arguments, "-colorspace")));
    }

    [Fact]
    public void The_fast_path_copies_without_filters()
    {
        var arguments = Convert(Plan(copyVideo: true, copyAudio: true, audio: Audio));
        Assert.Equal("copy", ValueAfter(arguments, "-c:v"));
        Assert.Equal("copy", ValueAfter(arguments, "-c:a"));
        Assert.DoesNotContain("-vf", arguments);
        Assert.DoesNotContain("libx264", arguments);
    }

    [Fact]
    public void Only_the_chosen_streams_are_kept_and_metadata_is_dropped()
    {
        var arguments = Convert(Plan(audio: Audio));
        Assert.Equal(["0:2", "0:4"], arguments.Select((a, i) => (a, i)).Where(x => x.a == "-map").Select(x => arguments[x.i + 1]));
        Assert.Equal("-1", ValueAfter(arguments, "-map_metadata"));
    }

    [Fact]
    public void Sound_becomes_aac_stereo_at_a_browser_sample_rate()
    {
        var arguments = Convert(Plan(audio: Audio));
        Assert.Equal("aac", ValueAfter(arguments, "-c:a"));
        Assert.Equal("2", ValueAfter(arguments, "-ac"));
        Assert.Equal("128k", ValueAfter(arguments, "-b:a"));
        Assert.Equal("48000", ValueAfter(arguments, "-ar"));
    }

    [Theory]
    [InlineData(0, 48_000)]
    [InlineData(5_000, 8_000)]
    [InlineData(22_050, 22_050)]
    [InlineData(22_254, 24_000)]
    [InlineData(37_800, 44_100)]
    [InlineData(48_000, 48_000)]
    [InlineData(96_000, 48_000)]
    public void Odd_sample_rates_become_the_next_standard_rate_up_to_48_kHz(int input, int output)
    {
        Assert.Equal(output, FFmpegArguments.AacSampleRate(input));
    }

    [Fact]
    public void No_audio_track_is_written_when_the_input_has_none()
    {
        var arguments = Convert(Plan());
        Assert.Contains("-an", arguments);
        Assert.DoesNotContain("-c:a", arguments);
    }

    [Fact]
    public void The_moov_box_goes_first_and_progress_goes_to_stdout()
    {
        var arguments = Convert(Plan());
        Assert.Equal("+faststart", ValueAfter(arguments, "-movflags"));
        Assert.Equal("pipe:1", ValueAfter(arguments, "-progress"));
        Assert.Equal("mp4", ValueAfter(arguments, "-f"));
        Assert.Equal("/scratch/output.mp4", arguments[^1]);
    }

    [Fact]
    public void Every_output_branches_off_one_decode_in_one_run()
    {
        var plan = Plan() with
        {
            Audio = Audio,
            Outputs = OutputsPlan.For([OutputKinds.Mp4, OutputKinds.Hls, OutputKinds.Poster, OutputKinds.Storyboard], 640, 480, 30, TimeSpan.FromSeconds(20)),
        };
        var arguments = Convert(plan);

        Assert.Single(arguments, argument => argument == "-i");
        var graph = ValueAfter(arguments, "-filter_complex");
        // MP4, two renditions (480p and 360p of a 640×480 source), poster and thumbnails: five pictures from one decode.
        Assert.StartsWith("[0:2]bwdif=", graph, StringComparison.Ordinal);
        Assert.Contains("split=5[b0][b1][b2][b3][b4]", graph, StringComparison.Ordinal);
        Assert.Contains("thumbnail=n=30[poster]", graph, StringComparison.Ordinal);
        Assert.Contains("fps=fps=1/2:round=near", graph, StringComparison.Ordinal);

        // Each rendition is forced to a keyframe at the same instants, and written as CMAF beside the others.
        var keyframes = arguments.Select((argument, index) => (argument, index)).Where(pair => pair.argument == "-force_key_frames")
            .Select(pair => arguments[pair.index + 1]).ToList();
        Assert.Equal(2, keyframes.Count);
        Assert.All(keyframes, expression => Assert.Equal("expr:gte(t,n_forced*4)", expression));
        Assert.Equal(3, arguments.Count(argument => argument == "fmp4"));
        Assert.Contains("/scratch/outputs/hls/audio.m3u8", arguments);
        Assert.Contains("/scratch/outputs/poster.jpg", arguments);
        Assert.Contains("/scratch/thumbnails/%05d.jpg", arguments);
        Assert.True(arguments.ToList().IndexOf("-progress") < arguments.ToList().IndexOf("-i"), "global options must come before the outputs");
    }

    [Fact]
    public void A_copied_mp4_takes_the_stream_as_it_is_while_the_ladder_decodes_it()
    {
        var plan = Plan(copyVideo: true) with
        {
            Outputs = OutputsPlan.For([OutputKinds.Mp4, OutputKinds.Hls], 640, 480, 30, TimeSpan.FromSeconds(20)),
        };
        var arguments = Convert(plan);

        var mp4 = arguments.ToList().IndexOf("/scratch/output.mp4");
        var firstMap = arguments.ToList().IndexOf("-map");
        Assert.Equal("0:2", arguments[firstMap + 1]);
        Assert.Equal("copy", ValueAfter(arguments, "-c:v"));
        Assert.True(firstMap < mp4);
        Assert.DoesNotContain("[mp4]", ValueAfter(arguments, "-filter_complex"), StringComparison.Ordinal);
    }
}
