using System.Globalization;
using System.Text.Json;

namespace VideoConversion.Tests.Support;

/// <summary>
/// The output contract checked from ffprobe's raw output, independently of the worker's own
/// check, so that a mistake there cannot hide one in the conversion.
/// </summary>
public static class OutputContract
{
    private static readonly string[] StreamKinds = ["video", "audio"];
    private static readonly string[] Profiles = ["Main", "High"];
    private static readonly string[] ProgressiveOrders = ["progressive", "unknown"];
    private static readonly string[] SquarePixels = ["1:1", "0:1"];
    private static readonly string[] HdrTransfers = ["smpte2084", "arib-std-b67"];
    private static readonly string[] AacSampleRates = ["8000", "11025", "12000", "16000", "22050", "24000", "32000", "44100", "48000"];

    public static async Task AssertBrowserPlayableAsync(string path, ExpectedOutput expected)
    {
        var probe = await TestMedia.ProbeAsync(path);
        var format = probe.GetProperty("format");
        Assert.Contains("mp4", format.GetProperty("format_name").GetString(), StringComparison.Ordinal);
        Assert.True(TestMedia.MoovBeforeMdat(path), "the moov box must precede mdat (faststart)");

        var streams = probe.GetProperty("streams").EnumerateArray().ToList();
        Assert.All(streams, stream => Assert.Contains(Text(stream, "codec_type"), StreamKinds));

        var video = Assert.Single(streams, stream => Text(stream, "codec_type") == "video");
        Assert.Equal("h264", Text(video, "codec_name"));
        Assert.Contains(Text(video, "profile"), Profiles);
        Assert.Equal("yuv420p", Text(video, "pix_fmt"));
        Assert.NotEqual("pc", Text(video, "color_range"));
        Assert.Contains(Text(video, "field_order") ?? "progressive", ProgressiveOrders);
        Assert.Contains(Text(video, "sample_aspect_ratio") ?? "1:1", SquarePixels);
        Assert.DoesNotContain(Text(video, "color_transfer"), HdrTransfers);
        var width = video.GetProperty("width").GetInt32();
        var height = video.GetProperty("height").GetInt32();
        Assert.True(width % 2 == 0 && height % 2 == 0, $"{width}×{height} must be even");
        // Level 5.1 at most (what hardware decoders and Safari play), and within its macroblock rate.
        Assert.InRange(video.GetProperty("level").GetInt32(), 1, 51);
        var frameRate = Ratio(Text(video, "avg_frame_rate"));
        var macroblocks = ((width + 15) / 16) * ((height + 15) / 16);
        Assert.True(macroblocks * frameRate <= 983_040, $"{width}×{height} at {frameRate:F2} fps is past level 5.1");
        var turned = Math.Abs(Rotation(video) % 180) == 90;
        Assert.Equal((expected.Width, expected.Height), turned ? (height, width) : (width, height));

        var audio = streams.Where(stream => Text(stream, "codec_type") == "audio").ToList();
        if (expected.HasAudio)
        {
            var track = Assert.Single(audio);
            Assert.Equal("aac", Text(track, "codec_name"));
            Assert.Equal("LC", Text(track, "profile"));
            Assert.Equal(expected.AudioChannels, track.GetProperty("channels").GetInt32());
            Assert.Contains(Text(track, "sample_rate"), AacSampleRates);
        }
        else
        {
            Assert.Empty(audio);
        }

        var seconds = double.Parse(Text(format, "duration")!, CultureInfo.InvariantCulture);
        Assert.InRange(seconds, expected.Seconds - 0.15, expected.Seconds + 0.15);
    }

    private static double Ratio(string? text)
    {
        var parts = (text ?? "0/1").Split('/');
        var denominator = parts.Length == 2 ? double.Parse(parts[1], CultureInfo.InvariantCulture) : 1;
        return denominator == 0 ? 0 : double.Parse(parts[0], CultureInfo.InvariantCulture) / denominator;
    }

    /// <summary>Degrees of display rotation, from the display matrix.</summary>
    public static int Rotation(JsonElement stream) =>
        stream.TryGetProperty("side_data_list", out var sideData)
            ? sideData.EnumerateArray()
                .Select(item => item.TryGetProperty("rotation", out var rotation) ? rotation.GetInt32() : 0)
                .FirstOrDefault(rotation => rotation != 0)
            : 0;

    public static string? Text(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ToString() : null;
}
