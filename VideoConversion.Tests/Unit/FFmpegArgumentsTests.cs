using VideoConversion.Worker.Conversion;

namespace VideoConversion.Tests.Unit;

public class FFmpegArgumentsTests
{
    private static readonly ConversionOptions Options = new() { Preset = "veryfast", Crf = 23, AudioBitrate = "128k" };

    private static IReadOnlyList<string> Build(bool hasAudio) =>
        FFmpegArguments.ForBrowserMp4("/scratch/input.avi", "/scratch/output.mp4",
            new MediaInfo(TimeSpan.FromSeconds(10), HasVideo: true, hasAudio), Options);

    private static string ValueAfter(IReadOnlyList<string> arguments, string flag)
    {
        var index = arguments.ToList().IndexOf(flag);
        Assert.True(index >= 0 && index < arguments.Count - 1, $"{flag} is missing");
        return arguments[index + 1];
    }

    [Fact]
    public void Encodes_h264_high_profile_8bit_420_with_the_configured_quality()
    {
        var arguments = Build(hasAudio: true);
        Assert.Equal("libx264", ValueAfter(arguments, "-c:v"));
        Assert.Equal("high", ValueAfter(arguments, "-profile:v"));
        Assert.Equal("yuv420p", ValueAfter(arguments, "-pix_fmt"));
        Assert.Equal("23", ValueAfter(arguments, "-crf"));
        Assert.Equal("veryfast", ValueAfter(arguments, "-preset"));
    }

    [Fact]
    public void Rounds_dimensions_down_to_even_numbers()
    {
        Assert.StartsWith("scale=trunc(iw/2)*2:trunc(ih/2)*2", ValueAfter(Build(true), "-vf"), StringComparison.Ordinal);
    }

    [Fact]
    public void Puts_the_moov_box_first_and_writes_mp4()
    {
        var arguments = Build(true);
        Assert.Equal("+faststart", ValueAfter(arguments, "-movflags"));
        Assert.Equal("mp4", ValueAfter(arguments, "-f"));
        Assert.Equal("/scratch/output.mp4", arguments[^1]);
    }

    [Fact]
    public void Transcodes_one_audio_track_to_aac_stereo_when_there_is_sound()
    {
        var arguments = Build(hasAudio: true);
        Assert.Equal("aac", ValueAfter(arguments, "-c:a"));
        Assert.Equal("2", ValueAfter(arguments, "-ac"));
        Assert.Equal("128k", ValueAfter(arguments, "-b:a"));
        Assert.Equal(["0:v:0", "0:a:0"], arguments.Select((a, i) => (a, i)).Where(x => x.a == "-map").Select(x => arguments[x.i + 1]));
    }

    [Fact]
    public void Writes_no_audio_track_when_the_input_has_none()
    {
        var arguments = Build(hasAudio: false);
        Assert.Contains("-an", arguments);
        Assert.DoesNotContain("-c:a", arguments);
        Assert.DoesNotContain("0:a:0", arguments);
    }

    [Fact]
    public void Reads_only_local_files_and_never_waits_for_input()
    {
        var arguments = Build(true);
        Assert.Equal("file,pipe", ValueAfter(arguments, "-protocol_whitelist"));
        Assert.Contains("-nostdin", arguments);
        Assert.True(arguments.ToList().IndexOf("-protocol_whitelist") < arguments.ToList().IndexOf("-i"), "the whitelist must apply to the input");
        Assert.Equal("/scratch/input.avi", ValueAfter(arguments, "-i"));
    }

    [Fact]
    public void Reports_progress_on_standard_output()
    {
        Assert.Equal("pipe:1", ValueAfter(Build(true), "-progress"));
    }
}
