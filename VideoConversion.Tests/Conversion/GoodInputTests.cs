using System.Globalization;
using System.Text.RegularExpressions;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Conversion;

/// <summary>Every kind of real-world input comes out as an MP4 that meets the whole output contract.</summary>
public sealed partial class GoodInputTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-corpus-");

    [Theory]
    [MemberData(nameof(InputCorpus.Names), MemberType = typeof(InputCorpus))]
    public async Task Converts_to_the_output_contract(string fileName)
    {
        var input = InputCorpus.Named(fileName);
        var inputPath = await InputCorpus.CreateAsync(input, _work.FullName);
        var outputPath = Path.Combine(_work.FullName, "output.mp4");
        List<int> progress = [];

        var summary = await Converters.Create().ConvertAsync(inputPath, outputPath, percent =>
        {
            progress.Add(percent);
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.Equal(input.Expected.Method, summary.Method);
        await OutputContract.AssertBrowserPlayableAsync(outputPath, input.Expected);
        Assert.Equal(100, progress.LastOrDefault());
    }

    [Theory]
    [InlineData("ready.mp4")]
    [InlineData("phone-rotated.mp4")]
    [InlineData("subtitles.mkv")]
    [InlineData("cover-art.mp4")]
    [InlineData("h264-ac3.mkv")]
    public async Task The_fast_path_copies_the_video_bit_for_bit(string fileName)
    {
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named(fileName), _work.FullName);
        var outputPath = await ConvertAsync(inputPath);

        Assert.Equal(await VideoPacketsHashAsync(inputPath), await VideoPacketsHashAsync(outputPath));
    }

    [Fact]
    public async Task A_phone_rotation_survives_the_fast_path_as_display_metadata()
    {
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named("phone-rotated.mp4"), _work.FullName);
        var video = (await TestMedia.ProbeAsync(await ConvertAsync(inputPath))).GetProperty("streams")[0];

        Assert.Equal((320, 240), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.Equal(90, Math.Abs(OutputContract.Rotation(video)));
    }

    [Fact]
    public async Task A_rotated_transcode_turns_the_pixels_upright_and_drops_the_rotation()
    {
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named("phone-rotated-baseline.mov"), _work.FullName);
        var video = (await TestMedia.ProbeAsync(await ConvertAsync(inputPath))).GetProperty("streams")[0];

        Assert.Equal((240, 320), (video.GetProperty("width").GetInt32(), video.GetProperty("height").GetInt32()));
        Assert.Equal(0, OutputContract.Rotation(video));
    }

    [Fact]
    public async Task Of_several_audio_tracks_the_default_one_is_kept()
    {
        // Tracks one and three are silent; the second, marked default, is a tone.
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named("multi-audio.mkv"), _work.FullName);
        var outputPath = await ConvertAsync(inputPath);

        var result = await ProcessRunner.RunAsync("ffmpeg",
            ["-hide_banner", "-nostdin", "-i", outputPath, "-map", "0:a", "-af", "volumedetect", "-f", "null", "-"],
            _work.FullName, TimeSpan.FromMinutes(1), null, CancellationToken.None);
        var meanVolume = double.Parse(MeanVolume().Match(result.StandardErrorTail).Groups["db"].Value, CultureInfo.InvariantCulture);
        Assert.InRange(meanVolume, -30, 0);
    }

    [Fact]
    public async Task Variable_frame_rate_keeps_every_frame_without_duplicates()
    {
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named("vfr.webm"), _work.FullName);
        var outputPath = await ConvertAsync(inputPath);

        Assert.Equal(50, await FrameCountAsync(outputPath));
    }

    [Fact]
    public async Task A_one_frame_clip_stays_one_frame()
    {
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named("one-frame.mp4"), _work.FullName);
        Assert.Equal(1, await FrameCountAsync(await ConvertAsync(inputPath)));
    }

    [Fact]
    public async Task With_stream_copy_switched_off_a_browser_safe_input_is_transcoded()
    {
        var inputPath = await InputCorpus.CreateAsync(InputCorpus.Named("ready.mp4"), _work.FullName);
        var converter = Converters.Create(Converters.Options(options => options.AllowStreamCopy = false));

        var summary = await converter.ConvertAsync(inputPath, Path.Combine(_work.FullName, "output.mp4"), _ => Task.CompletedTask, CancellationToken.None);

        Assert.Equal("transcode", summary.Method);
    }

    private async Task<string> ConvertAsync(string inputPath)
    {
        var outputPath = Path.Combine(_work.FullName, "output.mp4");
        await Converters.Create().ConvertAsync(inputPath, outputPath, _ => Task.CompletedTask, CancellationToken.None);
        return outputPath;
    }

    private async Task<string> VideoPacketsHashAsync(string path)
    {
        // "V" is the first video stream that is not a cover picture.
        var result = await ProcessRunner.RunAsync("ffmpeg",
            ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", path, "-map", "0:V:0", "-c", "copy", "-f", "hash", "-hash", "sha256", "-"],
            _work.FullName, TimeSpan.FromMinutes(1), null, CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.StandardErrorTail);
        return result.StandardOutput.Trim();
    }

    private static async Task<int> FrameCountAsync(string path)
    {
        var probe = await TestMedia.ProbeAsync(path);
        return int.Parse(OutputContract.Text(probe.GetProperty("streams")[0], "nb_frames")!, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"mean_volume: (?<db>-?[\d.]+) dB")]
    private static partial Regex MeanVolume();

    public void Dispose() => _work.Delete(recursive: true);
}
