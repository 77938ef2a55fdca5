namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>An adaptive stream: its renditions, best first, all cut at the same keyframes.</summary>
/// <param name="FrameRate">The rate every rendition plays at (the source's, capped like the MP4's); null when unknown.</param>
public sealed record HlsPlan(IReadOnlyList<RenditionPlan> Renditions, double? FrameRate)
{
    /// <summary>
    /// The target segment length: a keyframe is forced in every rendition at each multiple of it, so all renditions
    /// are cut at the same instants and a player can switch between any two segments.
    /// </summary>
    public static readonly TimeSpan SegmentLength = TimeSpan.FromSeconds(4);

    /// <summary>The audio rendition's name (one audio rendition, shared by every video rendition).</summary>
    public const string AudioName = "audio";
}

/// <summary>One video rendition: its name ("720p"), picture size and the most it may spend (VBV maxrate).</summary>
public sealed record RenditionPlan(string Name, int Width, int Height, int MaxBitrateKbps);
