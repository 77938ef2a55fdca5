using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// Files that cannot become a video fail at once with a sentence the uploader understands, as a
/// <see cref="ConversionFailedException"/>: the kind of failure the worker does not retry.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private const string NotAVideo = "The file is not a video in a supported format, or it is damaged.";
    private static readonly string[] Picture = ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=25:duration=2"];

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-bad-");

    [Fact]
    public async Task An_empty_file()
    {
        var path = Path.Combine(_work.FullName, "input.mp4");
        await File.WriteAllBytesAsync(path, []);
        await AssertFailsAsync(path, "The file is empty.");
    }

    [Fact]
    public async Task A_plain_text_file()
    {
        var path = Path.Combine(_work.FullName, "input.mp4");
        await File.WriteAllTextAsync(path, "Milk, eggs, bread.\nThis is a shopping list, not a video.\n");
        await AssertFailsAsync(path, NotAVideo);
    }

    [Fact]
    public async Task Random_bytes()
    {
        var path = Path.Combine(_work.FullName, "input.mkv");
        await File.WriteAllBytesAsync(path, new Random(7).GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 200_000));
        await AssertFailsAsync(path, NotAVideo);
    }

    [Fact]
    public async Task A_truncated_mp4_whose_index_was_cut_off()
    {
        var path = await MakeAsync("input.mp4", [.. Picture, "-c:v", "libx264", "-preset", "ultrafast"]);
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length / 2)]);
        await AssertFailsAsync(path, NotAVideo);
    }

    [Fact]
    public async Task A_valid_header_followed_by_garbage()
    {
        var path = await MakeAsync("input.mkv", [.. Picture, "-c:v", "mpeg4"]);
        var bytes = await File.ReadAllBytesAsync(path);
        new Random(11).NextBytes(bytes.AsSpan(600));
        await File.WriteAllBytesAsync(path, bytes);

        // The header reads fine, so the probe passes; the frames do not decode.
        await AssertFailsAsync(path, "The video could not be converted; the file may be damaged or use an encoding that cannot be read.");
    }

    [Fact]
    public async Task Sound_only()
    {
        var path = await MakeAsync("input.mp4", ["-f", "lavfi", "-i", "sine=duration=2", "-c:a", "aac"]);
        await AssertFailsAsync(path, "The file has no video stream.");
    }

    [Fact]
    public async Task Sound_with_only_a_cover_picture()
    {
        var cover = await MakeAsync("cover.png", ["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1"]);
        var path = await MakeAsync("input.mp4",
            ["-f", "lavfi", "-i", "sine=duration=2", "-i", cover, "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "png", "-disposition:v:0", "attached_pic"]);
        await AssertFailsAsync(path, "The file has no video stream, only a still cover picture.");
    }

    [Fact]
    public async Task A_still_image_named_like_a_video()
    {
        var image = await MakeAsync("picture.png", ["-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1"]);
        var path = Path.Combine(_work.FullName, "input.mp4");
        File.Move(image, path);
        await AssertFailsAsync(path, $"The file is a still image, not a video in an accepted format ({ContainerFormats.Names}).");
    }

    [Fact]
    public async Task Dimensions_beyond_the_limit()
    {
        var path = await MakeAsync("input.mkv", [.. Picture, "-c:v", "mpeg4"]);
        await AssertFailsAsync(path, "The video is 640×480 pixels; the largest accepted is 320×240.",
            options => (options.MaxLongSide, options.MaxShortSide) = (320, 240));
    }

    [Fact]
    public async Task A_duration_beyond_the_limit()
    {
        var path = await MakeAsync("input.mkv", [.. Picture, "-c:v", "mpeg4"]);
        await AssertFailsAsync(path, "The video is 0:02 long; the longest accepted is 0:01.",
            options => options.MaxDuration = TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_frame_count_beyond_the_limit()
    {
        var path = await MakeAsync("input.mp4", [.. Picture, "-c:v", "mpeg4"]);
        await AssertFailsAsync(path, "The video has 50 frames; the most accepted is 10.",
            options => options.MaxFrameCount = 10);
    }

    [Fact]
    public async Task A_video_stating_no_duration_is_held_to_the_limit_by_what_it_plays()
    {
        var path = await LiveWebmAsync(seconds: 4);
        await AssertFailsAsync(path, "The video is longer than the longest accepted, 0:02.",
            options => options.MaxDuration = TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_video_stating_no_frame_count_is_held_to_the_limit_by_its_frames()
    {
        var path = await LiveWebmAsync(seconds: 2);
        await AssertFailsAsync(path, "The video has more frames than the most accepted, 10.",
            options => options.MaxFrameCount = 10);
    }

    [Fact]
    public async Task A_video_right_at_the_limits_is_accepted()
    {
        // Video only: AAC's priming would make the input itself a little longer than 2 s.
        var path = await MakeAsync("input.mkv", [.. Picture, "-c:v", "mpeg4"]);
        var summary = await ConvertAsync(path, options => (options.MaxDuration, options.MaxFrameCount) = (TimeSpan.FromSeconds(2), 50));
        Assert.Equal("transcode", summary.Method);
    }

    [Fact]
    public async Task An_output_that_would_pass_the_size_limit()
    {
        // Noise at near-lossless quality: a few seconds come to several megabytes.
        var path = await MakeAsync("input.mkv", ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=25:duration=3,noise=alls=80:allf=t", "-c:v", "ffv1"]);
        await AssertFailsAsync(path, "The converted video would be larger than the 1 MiB limit.",
            options => (options.MaxOutputBytes, options.Crf) = (1024 * 1024, 1));
    }

    [Fact]
    public async Task A_conversion_beyond_the_time_limit_is_stopped_for_good()
    {
        var path = await MakeAsync("input.mkv", ["-f", "lavfi", "-i", "testsrc2=size=640x480:rate=25:duration=10,noise=alls=80:allf=t", "-c:v", "ffv1"]);

        var stopped = await Assert.ThrowsAsync<ConversionFailedException>(() =>
            ConvertAsync(path, options => (options.MaxConversionTime, options.Preset) = (TimeSpan.FromSeconds(1), "medium")));

        Assert.Equal("The conversion took longer than the allowed 0:01 and was stopped.", stopped.Message);
        // Another attempt would run into the same limit: final, not retried.
        Assert.Equal(FailureCause.LimitExceeded, stopped.Cause);
        Assert.Equal(RetryAction.Fail, RetryPolicy.Decide(stopped.Cause, attempt: 1, stopped.Message).Action);
    }

    private string Output => Path.Combine(_work.FullName, "output.mp4");

    private async Task<string> MakeAsync(string fileName, string[] arguments)
    {
        var path = Path.Combine(_work.FullName, fileName);
        await TestMedia.FFmpegAsync([.. arguments, path]);
        return path;
    }

    /// <summary>A WebM written as a live stream: no duration and no frame count in its header.</summary>
    private Task<string> LiveWebmAsync(int seconds) => MakeAsync("input.webm",
        ["-f", "lavfi", "-i", $"testsrc2=size=320x240:rate=25:duration={seconds}", "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-live", "1"]);

    private Task<ConversionSummary> ConvertAsync(string path, Action<ConversionOptions>? configure = null) =>
        Converters.Create(Converters.Options(configure)).ConvertAsync(path, Output, _ => Task.CompletedTask, CancellationToken.None);

    private async Task AssertFailsAsync(string path, string expectedError, Action<ConversionOptions>? configure = null)
    {
        var failure = await Assert.ThrowsAsync<ConversionFailedException>(() => ConvertAsync(path, configure));
        Assert.Equal(expectedError, failure.Message);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
