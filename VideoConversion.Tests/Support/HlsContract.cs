using System.Globalization;
using System.Text.RegularExpressions;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>
/// An HLS output as a player meets it, checked with ffprobe and plain text parsing, not with the worker's code: the
/// master playlist states every attribute players choose by, each media playlist is a complete VOD one whose
/// segments stay within the target, every segment starts on a keyframe, and all renditions are cut at the same instants.
/// </summary>
public static partial class HlsContract
{
    private static readonly string[] BrowserProfiles = ["Main", "High"];

    private static readonly string[] VariantAttributes = ["BANDWIDTH", "AVERAGE-BANDWIDTH", "RESOLUTION", "CODECS", "FRAME-RATE"];

    /// <param name="readText">Reads a playlist by its name relative to the master ("720p.m3u8"): from a folder or over HTTP.</param>
    /// <param name="probePath">Where ffprobe reads a rendition's playlist from (a local path, or a URL).</param>
    public static async Task AssertAsync(
        Func<string, Task<string>> readText, Func<string, string> probePath, HlsOutput facts, double expectedSeconds)
    {
        var master = await readText("master.m3u8");
        var variants = Variants().Matches(master);
        Assert.Equal(facts.Renditions.Count, variants.Count);
        List<double[]> keyframeStarts = [];
        foreach (Match variant in variants)
        {
            var attributes = variant.Groups["attributes"].Value;
            foreach (var attribute in VariantAttributes)
            {
                Assert.True(Regex.IsMatch(attributes, $"(^|,){attribute}="), $"a variant lacks {attribute}: {attributes}");
            }

            var uri = variant.Groups["uri"].Value.Trim();
            var resolution = Regex.Match(attributes, @"RESOLUTION=(\d+)x(\d+)");
            var (width, height) = (int.Parse(resolution.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(resolution.Groups[2].Value, CultureInfo.InvariantCulture));
            var media = await readText(uri);
            var segments = AssertMediaPlaylist(uri, media, expectedSeconds);

            var stream = (await TestMedia.ProbeAsync(probePath(uri), "-select_streams", "v:0")).GetProperty("streams")[0];
            Assert.Equal("h264", stream.GetProperty("codec_name").GetString());
            Assert.Contains(stream.GetProperty("profile").GetString(), BrowserProfiles);
            Assert.Equal((width, height), (stream.GetProperty("width").GetInt32(), stream.GetProperty("height").GetInt32()));

            keyframeStarts.Add(await KeyframesAtSegmentStartsAsync(uri, probePath(uri), segments));
        }

        // Keyframe-aligned: every rendition's segments start at the same instants.
        foreach (var starts in keyframeStarts.Skip(1))
        {
            Assert.Equal(keyframeStarts[0].Length, starts.Length);
            for (var index = 0; index < starts.Length; index++)
            {
                Assert.True(Math.Abs(starts[index] - keyframeStarts[0][index]) < 0.002,
                    $"segment {index} starts at {starts[index]:F3} s in one rendition and {keyframeStarts[0][index]:F3} s in another");
            }
        }

        if (facts.Audio is { } audio)
        {
            Assert.Contains($"URI=\"{audio.Name}.m3u8\"", master, StringComparison.Ordinal);
            AssertMediaPlaylist("audio", await readText($"{audio.Name}.m3u8"), expectedSeconds);
        }
    }

    /// <summary>From a folder the worker wrote.</summary>
    public static Task AssertAsync(string folder, HlsOutput facts, double expectedSeconds) =>
        AssertAsync(file => File.ReadAllTextAsync(Path.Combine(folder, file)), file => Path.Combine(folder, file), facts, expectedSeconds);

    /// <returns>The segments' durations.</returns>
    private static double[] AssertMediaPlaylist(string name, string media, double expectedSeconds)
    {
        Assert.Contains("#EXT-X-PLAYLIST-TYPE:VOD", media, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-ENDLIST", media, StringComparison.Ordinal);
        Assert.Contains("#EXT-X-MAP:URI=", media, StringComparison.Ordinal);
        var target = int.Parse(Regex.Match(media, @"#EXT-X-TARGETDURATION:(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(target, 4, 6);
        var durations = Regex.Matches(media, @"#EXTINF:([\d.]+),").Select(match => double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.NotEmpty(durations);
        Assert.All(durations, duration => Assert.True(Math.Round(duration) <= target, $"{name}: a segment of {duration} s is over the target {target} s"));
        Assert.All(durations[..^1], duration => Assert.InRange(duration, 3.5, 6.5));
        Assert.InRange(durations.Sum(), expectedSeconds - 0.5, expectedSeconds + 0.5);
        return durations;
    }

    /// <summary>The keyframe each segment starts on, found by ffprobe in the stream's packets: its time from the first.</summary>
    private static async Task<double[]> KeyframesAtSegmentStartsAsync(string name, string playlist, double[] segments)
    {
        var result = await ProcessRunner.RunAsync("ffprobe",
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", playlist],
            Path.GetTempPath(), TimeSpan.FromMinutes(2), null, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"ffprobe failed: {result.StandardErrorTail}");
        var packets = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(','))
            .Select(parts => (Time: double.Parse(parts[0], CultureInfo.InvariantCulture), Key: parts[1].StartsWith('K')))
            .OrderBy(packet => packet.Time)
            .ToList();
        var first = packets[0].Time;
        var keyframes = packets.Where(packet => packet.Key).Select(packet => packet.Time - first).ToList();
        var starts = new double[segments.Length];
        var at = 0.0;
        for (var index = 0; index < segments.Length; index++)
        {
            var keyframe = keyframes.MinBy(time => Math.Abs(time - at));
            Assert.True(Math.Abs(keyframe - at) < 0.05, $"{name}: segment {index} starts at {at:F3} s, but the nearest keyframe is at {keyframe:F3} s");
            starts[index] = keyframe;
            at += segments[index];
        }

        return starts;
    }

    [GeneratedRegex("#EXT-X-STREAM-INF:(?<attributes>[^\\n]*)\\n(?<uri>[^\\n]+)")]
    private static partial Regex Variants();
}
