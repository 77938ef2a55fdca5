using System.Globalization;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.LoadTest.Inputs;

/// <summary>
/// Test videos made with FFmpeg when no --video-file is given, about the size of the seed's 10 MB
/// test video. "transcode": MPEG-4 Part 2 and MP3 in AVI, which no browser plays, so the worker
/// re-encodes it. "remux": H.264 and AAC in MP4, which the worker only rewraps.
/// </summary>
public static class GeneratedInputs
{
    private static readonly TimeSpan FFmpegTimeout = TimeSpan.FromMinutes(5);

    public static async Task<string> CreateAsync(string directory, string kind, int seconds, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var (extension, codecs) = kind switch
        {
            "transcode" => (".avi", new[] { "-c:v", "mpeg4", "-b:v", "2500k", "-c:a", "libmp3lame", "-b:a", "128k" }),
            "remux" => (".mp4", new[] { "-c:v", "libx264", "-preset", "veryfast", "-b:v", "2500k", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart" }),
            _ => throw new LoadTestException($"Unknown input kind '{kind}': use transcode or remux."),
        };
        var path = Path.Combine(directory, $"generated-{kind}-{seconds}s{extension}");
        if (File.Exists(path))
        {
            return path;
        }

        var duration = seconds.ToString(CultureInfo.InvariantCulture);
        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", $"testsrc2=size=1280x720:rate=30:duration={duration}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={duration}",
            .. codecs, "-shortest", path + ".part" + extension,
        ];
        await RunFFmpegAsync(arguments, cancellationToken);
        File.Move(path + ".part" + extension, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// A browser-safe H.264/AAC MP4 of about <paramref name="megabytes"/> MB (noisy 1080p at a high
    /// bitrate, cut at the size): large, yet quick for the worker, which only rewraps it.
    /// </summary>
    public static async Task<string> CreateLargeAsync(string directory, int megabytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"generated-large-{megabytes}MB.mp4");
        if (File.Exists(path))
        {
            return path;
        }

        string[] arguments =
        [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30,noise=alls=60:allf=t",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "8", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "128k", "-t", "1200",
            "-fs", (megabytes * 1024L * 1024).ToString(CultureInfo.InvariantCulture), path + ".part.mp4",
        ];
        await RunFFmpegAsync(arguments, cancellationToken, TimeSpan.FromMinutes(20));
        File.Move(path + ".part.mp4", path, overwrite: true);
        return path;
    }

    private static async Task RunFFmpegAsync(IEnumerable<string> arguments, CancellationToken cancellationToken, TimeSpan? timeLimit = null)
    {
        var (code, _, errors) = await ProcessTools.RunAsync("ffmpeg", arguments, cancellationToken, timeLimit ?? FFmpegTimeout);
        if (code != 0)
        {
            throw new LoadTestException($"FFmpeg could not make a test video: {errors}");
        }
    }
}
