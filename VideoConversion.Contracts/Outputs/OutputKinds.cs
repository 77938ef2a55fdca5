namespace VideoConversion.Contracts.Outputs;

/// <summary>
/// What a job can make of one upload. Every kind comes from the same decode: asking for more costs encoding
/// time, never a second read of the input.
/// </summary>
public static class OutputKinds
{
    /// <summary>One H.264/AAC MP4 at the source's size (the default, and what <c>output_url</c> links to).</summary>
    public const string Mp4 = "mp4";

    /// <summary>Adaptive HLS: CMAF (fMP4) renditions of a ladder no higher than the source, behind a master playlist.</summary>
    public const string Hls = "hls";

    /// <summary>A JPEG of a representative frame, upright, at most 1280 px on its long side.</summary>
    public const string Poster = "poster";

    /// <summary>Sprite sheets of thumbnails with a WebVTT index (<c>#xywh</c> cues), for previews over a seek bar.</summary>
    public const string Storyboard = "storyboard";

    /// <summary>In the order they are listed, stored and reported.</summary>
    public static IReadOnlyList<string> Supported { get; } = [Mp4, Hls, Poster, Storyboard];

    public static IReadOnlyList<string> Default { get; } = [Mp4];

    /// <summary>
    /// The outputs asked for, lowercased, without repeats, in <see cref="Supported"/> order; <see cref="Default"/> when
    /// none were named (null). Null when one is unknown (<paramref name="unknown"/> names it) or the list is empty.
    /// </summary>
    public static IReadOnlyList<string>? Normalize(IEnumerable<string?>? requested, out string? unknown)
    {
        unknown = null;
        if (requested is null)
        {
            return Default;
        }

        HashSet<string> asked = new(StringComparer.Ordinal);
        foreach (var kind in requested)
        {
            var known = Supported.FirstOrDefault(supported => supported.Equals(kind?.Trim(), StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                unknown = kind ?? "null";
                return null;
            }

            asked.Add(known);
        }

        return asked.Count == 0 ? null : Supported.Where(asked.Contains).ToList();
    }

    /// <summary>
    /// How much encoding a job's outputs take, in MP4 conversions of the same video: the MP4 is 1, an HLS ladder 1.75
    /// (a 1080p source's renditions encode 1 + 0.44 + 0.20 + 0.11 of its pixels), a poster or a storyboard 0.05 (small
    /// pictures, a few a minute); at least 1, the decode. What the workers' autoscaling counts (see worker-scaling.yaml).
    /// </summary>
    public static double Work(IReadOnlyList<string> outputs) => Math.Max(1.0,
        (outputs.Contains(Mp4) ? 1.0 : 0) + (outputs.Contains(Hls) ? 1.75 : 0) +
        (outputs.Contains(Poster) ? 0.05 : 0) + (outputs.Contains(Storyboard) ? 0.05 : 0));

    /// <summary>The outputs as one stored and carried text: "mp4,hls".</summary>
    public static string Join(IEnumerable<string> outputs) => string.Join(',', outputs);

    /// <summary>The outputs a stored or carried text names; <see cref="Default"/> for none (jobs from before outputs were chosen).</summary>
    public static IReadOnlyList<string> Split(string? outputs) =>
        string.IsNullOrEmpty(outputs) ? Default : outputs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
