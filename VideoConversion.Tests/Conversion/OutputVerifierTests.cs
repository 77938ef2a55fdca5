using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Tests.Conversion;

/// <summary>A broken output is caught before it is stored, whatever made it.</summary>
public sealed class OutputVerifierTests : IDisposable
{
    private static readonly string[] Picture = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2"];
    private static readonly string[] Tone = ["-f", "lavfi", "-i", "sine=duration=2"];
    private static readonly string[] H264 = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"];
    private static readonly string[] Aac = ["-c:a", "aac", "-ac", "2"];

    private static readonly ConversionPlan Expected = new()
    {
        Video = new StreamInfo { Index = 0, Kind = StreamKind.Video },
        Audio = new StreamInfo { Index = 1, Kind = StreamKind.Audio },
        DisplayWidth = 320,
        DisplayHeight = 240,
        Duration = TimeSpan.FromSeconds(2),
    };

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-verify-");

    [Fact]
    public async Task A_good_output_passes()
    {
        var output = await MakeAsync([.. Picture, .. Tone, .. H264, .. Aac, "-movflags", "+faststart"]);
        Assert.Empty(await ProblemsAsync(output, Expected));
    }

    [Fact]
    public async Task An_index_at_the_end_fails()
    {
        var output = await MakeAsync([.. Picture, .. Tone, .. H264, .. Aac]);
        Assert.Equal(["its index (moov) is not at the start"], await ProblemsAsync(output, Expected));
    }

    [Fact]
    public async Task A_codec_browsers_cannot_play_fails()
    {
        var output = await MakeAsync([.. Picture, .. Tone, "-c:v", "mpeg4", .. Aac, "-movflags", "+faststart"]);
        var problem = Assert.Single(await ProblemsAsync(output, Expected));
        Assert.StartsWith("its video is mpeg4", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cut_short_output_fails()
    {
        var output = await MakeAsync([.. Picture, .. Tone, .. H264, .. Aac, "-t", "1", "-movflags", "+faststart"]);
        Assert.Equal(["it plays for 1.00 s instead of 2.00 s"], await ProblemsAsync(output, Expected));
    }

    [Fact]
    public async Task A_wrong_size_missing_sound_and_a_subtitle_track_fail()
    {
        var subtitles = Path.Combine(_work.FullName, "subtitles.srt");
        await File.WriteAllTextAsync(subtitles, "1\n00:00:00,000 --> 00:00:01,000\nHi\n\n");
        var output = await MakeAsync(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2", "-i", subtitles,
            "-map", "0", "-map", "1", .. H264, "-c:s", "mov_text", "-movflags", "+faststart"]);

        Assert.Equal(
            ["it shows 160×120 instead of 320×240", "it has 0 audio tracks instead of 1", "it has streams other than video and audio"],
            await ProblemsAsync(output, Expected));
    }

    [Fact]
    public async Task A_damaged_output_fails_and_verification_says_so_without_ffmpeg_jargon()
    {
        var output = await MakeAsync([.. Picture, .. Tone, .. H264, .. Aac]);
        var bytes = await File.ReadAllBytesAsync(output);
        await File.WriteAllBytesAsync(output, bytes[..(bytes.Length / 3)]);

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(() => Converters.Verifier().VerifyAsync(output, Expected, CancellationToken.None));
        Assert.Equal(OutputVerifier.FailedCheckMessage, failure.Message);
        Assert.Equal("it cannot be read back", failure.Diagnostics);
    }

    private static Task<IReadOnlyList<string>> ProblemsAsync(string output, ConversionPlan plan) =>
        Converters.Verifier().FindProblemsAsync(output, plan, CancellationToken.None);

    private async Task<string> MakeAsync(string[] arguments)
    {
        var path = Path.Combine(_work.FullName, "output.mp4");
        await TestMedia.FFmpegAsync([.. arguments, path]);
        return path;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
