using System.Globalization;
using System.Text.Json;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>Test videos made with FFmpeg's synthetic sources at test time, and ffprobe checks of results.</summary>
public static class TestMedia
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// MJPEG video with PCM sound in AVI, at odd dimensions: nothing in it is browser-ready, so it
    /// needs a real transcode (codec, pixel format, even size, audio). "testsrc" is RGB and keeps
    /// the odd size; "testsrc2" would round it to even itself.
    /// </summary>
    public static async Task<string> MjpegAviAsync(string directory, double seconds)
    {
        var path = Path.Combine(directory, "input.avi");
        var duration = seconds.ToString(CultureInfo.InvariantCulture);
        await FFmpegAsync(
            "-f", "lavfi", "-i", $"testsrc=size=321x241:rate=25:duration={duration}",
            "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={duration}",
            "-c:v", "mjpeg", "-q:v", "5", "-c:a", "pcm_s16le", path);
        return path;
    }

    /// <summary>
    /// A real video (MJPEG at 720p, so it is large for its length) of more than <paramref name="parts"/> − 1 parts of
    /// <paramref name="partBytes"/> and at most <paramref name="parts"/>: a multipart upload of exactly that many parts.
    /// </summary>
    public static async Task<string> VideoOfPartsAsync(string directory, int parts, long partBytes)
    {
        var path = Path.Combine(directory, $"clip-{parts}.avi");
        for (var seconds = 2; ; seconds += 2)
        {
            await FFmpegAsync("-f", "lavfi", "-i", $"testsrc2=size=1280x720:rate=25:duration={seconds.ToString(CultureInfo.InvariantCulture)}",
                "-c:v", "mjpeg", "-q:v", "2", path);
            var length = new FileInfo(path).Length;
            if (length > (parts - 1) * partBytes && length <= parts * partBytes)
            {
                return path;
            }

            if (length > parts * partBytes)
            {
                throw new InvalidOperationException($"{seconds} s of video made {length} bytes, past {parts} parts of {partBytes}.");
            }
        }
    }

    /// <summary>
    /// MPEG-4 Part 2 at 720p without sound: a real transcode of a few seconds per ten seconds of
    /// video, long enough to find FFmpeg running or a worker with the job in hand.
    /// </summary>
    public static async Task<string> Mpeg4720pAsync(string directory, string fileName, int seconds)
    {
        var path = Path.Combine(directory, fileName);
        await FFmpegAsync("-f", "lavfi", "-i", $"testsrc2=size=1280x720:rate=25:duration={seconds.ToString(CultureInfo.InvariantCulture)}",
            "-c:v", "mpeg4", "-q:v", "8", path);
        return path;
    }

    public static async Task FFmpegAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", .. arguments],
            Path.GetTempPath(), Timeout, null, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"ffmpeg failed: {result.StandardErrorTail}");
    }

    public static async Task<JsonElement> ProbeAsync(string path, params string[] extraArguments)
    {
        var result = await ProcessRunner.RunAsync("ffprobe",
            ["-v", "error", "-print_format", "json", "-show_format", "-show_streams", .. extraArguments, path],
            Path.GetTempPath(), Timeout, null, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"ffprobe failed: {result.StandardErrorTail}");
        return JsonDocument.Parse(result.StandardOutput).RootElement.Clone();
    }

    /// <summary>Whether the "moov" box comes before "mdat" at the top level of an MP4 (faststart).</summary>
    public static bool MoovBeforeMdat(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> header = stackalloc byte[8];
        Span<byte> large = stackalloc byte[8];
        while (file.Position < file.Length)
        {
            var start = file.Position;
            file.ReadExactly(header);
            var size = (long)global::System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = global::System.Text.Encoding.ASCII.GetString(header[4..]);
            if (type == "moov")
            {
                return true;
            }

            if (type == "mdat")
            {
                return false;
            }

            if (size == 1)
            {
                file.ReadExactly(large);
                size = (long)global::System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(large);
            }

            Assert.True(size >= 8, $"Malformed MP4 box '{type}' at {start}");
            file.Position = start + size;
        }

        return false;
    }
}
