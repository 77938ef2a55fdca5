using System.Globalization;

namespace VideoConversion.Worker.Conversion.Outputs;

/// <summary>What the HLS check reads of a VOD media playlist FFmpeg wrote (RFC 8216): its segments, their lengths and its init segment.</summary>
public sealed record MediaPlaylist(int TargetDuration, string? InitSegment, IReadOnlyList<PlaylistSegment> Segments, bool Ended)
{
    public double Duration => Segments.Sum(segment => segment.Duration);

    /// <exception cref="InvalidDataException">It is not an HLS media playlist.</exception>
    public static MediaPlaylist Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (lines is not ["#EXTM3U", ..])
        {
            throw new InvalidDataException("it does not start with #EXTM3U");
        }

        var target = 0;
        string? init = null;
        double? pending = null;
        var ended = false;
        List<PlaylistSegment> segments = [];
        foreach (var line in lines[1..])
        {
            if (line.StartsWith("#EXT-X-TARGETDURATION:", StringComparison.Ordinal))
            {
                target = int.Parse(line["#EXT-X-TARGETDURATION:".Length..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("#EXT-X-MAP:", StringComparison.Ordinal))
            {
                init = Attribute(line, "URI");
            }
            else if (line.StartsWith("#EXTINF:", StringComparison.Ordinal))
            {
                var value = line["#EXTINF:".Length..];
                pending = double.Parse(value.Split(',')[0], CultureInfo.InvariantCulture);
            }
            else if (line == "#EXT-X-ENDLIST")
            {
                ended = true;
            }
            else if (!line.StartsWith('#'))
            {
                segments.Add(new PlaylistSegment(pending ?? throw new InvalidDataException($"segment '{line}' has no #EXTINF"), line));
                pending = null;
            }
        }

        return new MediaPlaylist(target, init, segments, ended);
    }

    /// <summary>A quoted attribute of a tag line: URI="init.mp4" gives init.mp4.</summary>
    public static string? Attribute(string line, string name)
    {
        var start = line.IndexOf($"{name}=\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += name.Length + 2;
        var end = line.IndexOf('"', start);
        return end < 0 ? null : line[start..end];
    }
}

/// <param name="Duration">Its #EXTINF, in seconds.</param>
/// <param name="Uri">As written: a file name beside the playlist.</param>
public sealed record PlaylistSegment(double Duration, string Uri);
