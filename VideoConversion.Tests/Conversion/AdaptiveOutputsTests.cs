using System.Globalization;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion.Outputs;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// One run makes every output a job asks for, and each holds to its contract, checked here with ffprobe and FFmpeg
/// independently of the worker's own checks: keyframe-aligned CMAF renditions behind a complete master playlist, a
/// representative upright poster, and a storyboard whose index covers the video.
/// </summary>
public sealed class AdaptiveOutputsTests : IDisposable
{
    private static readonly IReadOnlyList<string> Everything = OutputKinds.Supported;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-outputs-");

    [Fact]
    public async Task A_1080p_video_makes_every_output_from_one_run()
    {
        // Fades from and to black at both ends: the poster must come from the picture in between.
        var input = await MakeAsync("input.mp4", 1920, 1080, seconds: 10, ["-vf", "fade=in:0:45,fade=out:255:45"]);
        var files = OutputFiles.Beside(Path.Combine(_work.FullName, "output.mp4"));

        var summary = await Converters.Create().ConvertAsync(input, files.Mp4, _ => Task.CompletedTask, CancellationToken.None, Everything);

        // The MP4 is copied as it is (browser-safe already) while the renditions are encoded from the one decode.
        Assert.Equal("remux", summary.Method);
        var hls = summary.Outputs.Hls!;
        Assert.Equal(["1080p", "720p", "480p", "360p"], hls.Renditions.Select(rendition => rendition.Name));
        await HlsContract.AssertAsync(files.HlsFolder, hls, expectedSeconds: 10);

        Assert.Equal((1280, 720), (summary.Outputs.Poster!.Width, summary.Outputs.Poster.Height));
        await PictureChecks.AssertRepresentativeAsync(files.Poster, 1280, 720);

        var cues = StoryboardIndex.Cues(await File.ReadAllTextAsync(files.StoryboardIndex));
        Assert.Equal(TimeSpan.Zero, cues[0].Start);
        Assert.True(cues[^1].End >= TimeSpan.FromSeconds(9.9), $"the last cue ends at {cues[^1].End}");
        Assert.Equal(5, summary.Outputs.Storyboard!.Tiles);
        var sheet = (await TestMedia.ProbeAsync(Path.Combine(files.StoryboardFolder, "sheet001.jpg"))).GetProperty("streams")[0];
        Assert.Equal((5 * 160, 90), (sheet.GetProperty("width").GetInt32(), sheet.GetProperty("height").GetInt32()));
        Assert.False(Directory.Exists(files.ThumbnailsFolder), "the single thumbnails should be gone once laid out in sheets");
    }

    [Fact]
    public async Task A_360p_source_yields_no_rendition_above_360p()
    {
        var input = await MakeAsync("small.mkv", 640, 360, seconds: 5, ["-c:v", "mpeg4"]);
        var files = OutputFiles.Beside(Path.Combine(_work.FullName, "output.mp4"));

        var summary = await Converters.Create().ConvertAsync(input, files.Mp4, _ => Task.CompletedTask, CancellationToken.None, [OutputKinds.Hls]);

        var only = Assert.Single(summary.Outputs.Hls!.Renditions);
        Assert.Equal(("360p", 640, 360), (only.Name, only.Width, only.Height));
        Assert.False(File.Exists(files.Mp4), "no MP4 was asked for");
        await HlsContract.AssertAsync(files.HlsFolder, summary.Outputs.Hls, expectedSeconds: 5);
    }

    [Fact]
    public async Task A_rotated_phone_video_yields_portrait_renditions_and_a_portrait_poster()
    {
        // Recorded landscape at 1280×720 and stored turned a quarter by metadata, as phones do.
        var landscape = await MakeAsync("landscape.mp4", 1280, 720, seconds: 5, []);
        var input = Path.Combine(_work.FullName, "phone.mp4");
        await TestMedia.FFmpegAsync("-i", landscape, "-map", "0", "-c", "copy", "-metadata:s:v:0", "rotate=90", input);
        var files = OutputFiles.Beside(Path.Combine(_work.FullName, "output.mp4"));

        var summary = await Converters.Create().ConvertAsync(input, files.Mp4, _ => Task.CompletedTask, CancellationToken.None,
            [OutputKinds.Hls, OutputKinds.Poster]);

        Assert.Equal([("720p", 720, 1280), ("480p", 480, 852), ("360p", 360, 640)],
            summary.Outputs.Hls!.Renditions.Select(rendition => (rendition.Name, rendition.Width, rendition.Height)));
        await HlsContract.AssertAsync(files.HlsFolder, summary.Outputs.Hls, expectedSeconds: 5);
        await PictureChecks.AssertRepresentativeAsync(files.Poster, 720, 1280);
    }

    /// <summary>testsrc2's moving pattern and tone, encoded browser-safe unless <paramref name="extra"/> says otherwise.</summary>
    private async Task<string> MakeAsync(string name, int width, int height, int seconds, string[] extra)
    {
        var path = Path.Combine(_work.FullName, name);
        var duration = seconds.ToString(CultureInfo.InvariantCulture);
        await TestMedia.FFmpegAsync([
            "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=30:duration={duration}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={duration}",
            "-c:v", "libx264", "-preset", "superfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", .. extra, path]);
        return path;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
