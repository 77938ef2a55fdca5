using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// The output check reads an MP4's own index instead of starting ffprobe: for every file it reads, it must say what
/// ffprobe says about every field the contract looks at; a file it cannot account for whole, it must leave to ffprobe.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // ffprobe's start counted by a shell script
public sealed class Mp4IndexTests : IDisposable
{
    private static readonly string[] Picture = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2"];
    private static readonly string[] Tone = ["-f", "lavfi", "-i", "sine=duration=2"];
    private static readonly string[] FastStart = ["-movflags", "+faststart"];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-index-");

    public static TheoryData<string, string[]> FilesTheIndexStates => new()
    {
        { "H.264 High, AAC-LC stereo", [.. Picture, .. Tone, "-c:v", "libx264", "-profile:v", "high", "-c:a", "aac", "-ac", "2", .. FastStart] },
        { "H.264 Main cropped to 318×238, mono AAC at 22.05 kHz",
            [.. Picture, .. Tone, "-vf", "crop=318:238", "-c:v", "libx264", "-profile:v", "main", "-c:a", "aac", "-ac", "1", "-ar", "22050", .. FastStart] },
        { "4:3 pixels", [.. Picture, "-vf", "setsar=4/3", "-c:v", "libx264", .. FastStart] },
        { "full range (yuvj420p)", [.. Picture, "-c:v", "libx264", "-pix_fmt", "yuvj420p", .. FastStart] },
        { "4:4:4", [.. Picture, "-c:v", "libx264", "-pix_fmt", "yuv444p", .. FastStart] },
        { "10-bit", [.. Picture, "-c:v", "libx264", "-pix_fmt", "yuv420p10le", .. FastStart] },
        { "HDR (PQ transfer)", [.. Picture, "-c:v", "libx264", "-color_trc", "smpte2084", "-color_primaries", "bt2020", "-colorspace", "bt2020nc", .. FastStart] },
        { "H.264 Constrained Baseline at level 5.2", [.. Picture, "-c:v", "libx264", "-profile:v", "baseline", "-level", "5.2", .. FastStart] },
        { "index at the end", [.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac"] },
        { "48 kHz surround", [.. Picture, "-f", "lavfi", "-i", "sine=duration=2:sample_rate=48000", "-c:v", "libx264", "-c:a", "aac", "-ac", "6", .. FastStart] },
    };

    [Theory]
    [MemberData(nameof(FilesTheIndexStates))]
    public async Task The_index_says_what_ffprobe_says(string file, string[] arguments)
    {
        var path = await MakeAsync(arguments);

        var indexed = Mp4Index.TryRead(path);
        var probed = await Converters.Probe().ProbeAsync(path, CancellationToken.None);

        Assert.True(indexed is not null, $"{file}: the index should state everything");
        AssertSame(probed, indexed);
    }

    [Fact]
    public async Task A_phone_video_turned_by_its_matrix_reads_as_turned()
    {
        var upright = await MakeAsync([.. Picture, "-c:v", "libx264", .. FastStart], "upright.mp4");
        var turned = await MakeAsync(["-i", upright, "-c", "copy", "-metadata:s:v:0", "rotate=90", .. FastStart], "turned.mp4");

        var indexed = Mp4Index.TryRead(turned);
        var probed = await Converters.Probe().ProbeAsync(turned, CancellationToken.None);

        Assert.NotNull(indexed);
        Assert.Equal(90, Assert.Single(probed.VideoStreams).Rotation);
        AssertSame(probed, indexed);
    }

    [Fact]
    public async Task A_subtitle_track_reads_as_a_stream_other_than_video_and_audio()
    {
        var subtitles = Path.Combine(_work.FullName, "subtitles.srt");
        await File.WriteAllTextAsync(subtitles, "1\n00:00:00,000 --> 00:00:01,000\nHi\n\n");
        var path = await MakeAsync([.. Picture, "-i", subtitles, "-map", "0", "-map", "1", "-c:v", "libx264", "-c:s", "mov_text", .. FastStart]);

        var indexed = Mp4Index.TryRead(path);

        Assert.NotNull(indexed);
        Assert.Equal([StreamKind.Video, StreamKind.Other], indexed.Streams.Select(stream => stream.Kind));
        AssertSame(await Converters.Probe().ProbeAsync(path, CancellationToken.None), indexed);
    }

    public static TheoryData<string, string[]> FilesLeftToFFprobe => new()
    {
        // Whether pictures are fields is stated per slice; only a decoder knows.
        { "interlaced-capable H.264", [.. Picture, "-c:v", "libx264", "-flags", "+ildct+ilme", .. FastStart] },
        { "MPEG-4 Part 2 video", [.. Picture, "-c:v", "mpeg4", .. FastStart] },
        { "MP3 audio", [.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "libmp3lame", .. FastStart] },
        { "fragmented MP4", [.. Picture, "-c:v", "libx264", "-movflags", "frag_keyframe+empty_moov"] },
    };

    [Theory]
    [MemberData(nameof(FilesLeftToFFprobe))]
    public async Task A_file_the_index_cannot_account_for_whole_is_left_to_ffprobe(string file, string[] arguments)
    {
        var path = await MakeAsync(arguments);

        Assert.True(Mp4Index.TryRead(path) is null, $"{file}: the index should not answer");
    }

    [Fact]
    public async Task A_damaged_or_foreign_file_is_left_to_ffprobe()
    {
        var whole = await File.ReadAllBytesAsync(await MakeAsync([.. Picture, "-c:v", "libx264", .. FastStart]));
        var cut = Path.Combine(_work.FullName, "cut.mp4");
        await File.WriteAllBytesAsync(cut, whole[..200]); // inside the moov
        var text = Path.Combine(_work.FullName, "text.mp4");
        await File.WriteAllTextAsync(text, "not a video at all, but long enough to hold box headers");
        var empty = Path.Combine(_work.FullName, "empty.mp4");
        await File.WriteAllBytesAsync(empty, []);

        Assert.Null(Mp4Index.TryRead(cut));
        Assert.Null(Mp4Index.TryRead(text));
        Assert.Null(Mp4Index.TryRead(empty));
    }

    [Fact]
    public async Task A_good_output_passes_its_check_without_starting_ffprobe()
    {
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", .. FastStart]);
        var (ffprobe, starts) = await CountedFFprobeAsync();

        var output = await Verifier(options => options.FFprobePath = ffprobe).VerifyAsync(path, Plan, CancellationToken.None);

        Assert.InRange(output.Duration!.Value.TotalSeconds, 1.9, 2.1);
        Assert.Equal(0, starts());
    }

    [Fact]
    public async Task What_the_index_finds_wrong_ffprobe_reads_again_and_decides()
    {
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-c:a", "aac", "-t", "1", .. FastStart]);
        var (ffprobe, starts) = await CountedFFprobeAsync();

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(
            () => Verifier(options => options.FFprobePath = ffprobe).VerifyAsync(path, Plan, CancellationToken.None));

        Assert.Equal("it plays for 1.00 s instead of 2.00 s", failure.Diagnostics);
        Assert.Equal(1, starts());
    }

    [Fact]
    public async Task An_output_the_index_cannot_account_for_is_checked_by_ffprobe()
    {
        // Coded as fields: the index cannot tell (its SPS allows fields), ffprobe decodes and finds them.
        var path = await MakeAsync([.. Picture, .. Tone, "-c:v", "libx264", "-flags", "+ildct+ilme", "-c:a", "aac", .. FastStart]);
        var (ffprobe, starts) = await CountedFFprobeAsync();

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(
            () => Verifier(options => options.FFprobePath = ffprobe).VerifyAsync(path, Plan, CancellationToken.None));

        Assert.Matches("^its video is h264 High yuv420p 320×240 (tt|bb|tb|bt), not progressive", failure.Diagnostics);
        Assert.Equal(1, starts());
    }

    /// <summary>The real ffprobe behind a script that counts its starts.</summary>
    private async Task<(string Path, Func<int> Starts)> CountedFFprobeAsync()
    {
        var script = Path.Combine(_work.FullName, "counted-ffprobe");
        var count = Path.Combine(_work.FullName, "ffprobe-starts");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\necho started >> '{count}'\nexec ffprobe \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return (script, () => File.Exists(count) ? File.ReadAllLines(count).Length : 0);
    }

    private static readonly ConversionPlan Plan = new()
    {
        Video = new StreamInfo { Index = 0, Kind = StreamKind.Video },
        Audio = new StreamInfo { Index = 1, Kind = StreamKind.Audio },
        DisplayWidth = 320,
        DisplayHeight = 240,
        Duration = TimeSpan.FromSeconds(2),
    };

    private static OutputVerifier Verifier(Action<ConversionOptions>? configure = null)
    {
        var options = Microsoft.Extensions.Options.Options.Create(Converters.Options(configure));
        return new OutputVerifier(new MediaProbe(options), options);
    }

    /// <summary>Every field the output contract and its limits read, as ffprobe states it.</summary>
    private static void AssertSame(MediaInfo probed, MediaInfo indexed)
    {
        Assert.Equal(probed.FormatName, indexed.FormatName);
        Assert.True(probed.Duration is { } duration && indexed.Duration is { } read && Math.Abs((duration - read).TotalMilliseconds) < 1,
            $"duration: ffprobe {probed.Duration}, index {indexed.Duration}");
        Assert.Equal(probed.Streams.Count, indexed.Streams.Count);
        foreach (var (expected, actual) in probed.Streams.Zip(indexed.Streams))
        {
            // Streams other than video and audio fail the contract whatever their codec, so the index does not name it.
            Assert.Equal(expected.Kind == StreamKind.Other ? null : expected.CodecName, actual.CodecName);
            Assert.Equal(
                (expected.Kind, expected.Profile, expected.Level, expected.PixelFormat, expected.Width, expected.Height,
                    Math.Round(expected.SampleAspectRatio, 4), expected.FieldOrder, expected.ColorTransfer, expected.Rotation, expected.FrameCount,
                    expected.Channels, expected.SampleRate),
                (actual.Kind, actual.Profile, actual.Level, actual.PixelFormat, actual.Width, actual.Height,
                    Math.Round(actual.SampleAspectRatio, 4), actual.FieldOrder, actual.ColorTransfer, actual.Rotation, actual.FrameCount,
                    actual.Channels, actual.SampleRate));
            Assert.Equal(BrowserCompatibility.IsBrowserSafe(expected), BrowserCompatibility.IsBrowserSafe(actual));
            Assert.Equal(BrowserCompatibility.IsBrowserSafeAudio(expected), BrowserCompatibility.IsBrowserSafeAudio(actual));
        }
    }

    private async Task<string> MakeAsync(string[] arguments, string name = "output.mp4")
    {
        var path = Path.Combine(_work.FullName, name);
        await TestMedia.FFmpegAsync(["-y", .. arguments, path]);
        return path;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
