using VideoConversion.Contracts.Outputs;

namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>What one job makes of its input, all in one FFmpeg run from one decode. Null parts were not asked for.</summary>
public sealed record OutputsPlan(bool Mp4, HlsPlan? Hls, PosterPlan? Poster, StoryboardPlan? Storyboard)
{
    public static readonly OutputsPlan Mp4Only = new(true, null, null, null);

    /// <summary>Whether anything beyond the MP4 is made: those outputs always decode the video (a remux alone does not).</summary>
    public bool DecodesVideo => Hls is not null || Poster is not null || Storyboard is not null;

    /// <param name="kinds">As <see cref="OutputKinds.Normalize"/> left them; null for the MP4 alone.</param>
    /// <param name="width">The picture as displayed (rotation applied, square pixels, within 4K).</param>
    /// <param name="frameRate">The source's average frame rate; null when unknown. The renditions keep it, up to level 5.1 at the largest one's size.</param>
    public static OutputsPlan For(IReadOnlyList<string>? kinds, int width, int height, double? frameRate, TimeSpan? duration)
    {
        if (kinds is null || kinds.SequenceEqual(OutputKinds.Default))
        {
            return Mp4Only;
        }

        static HlsPlan Hls(int width, int height, double? frameRate)
        {
            var ladder = HlsLadder.For(width, height, frameRate);
            var cap = ladder is [var top, ..] ? BrowserCompatibility.MaxMacroblocksPerSecond / BrowserCompatibility.Macroblocks(top.Width, top.Height) : (int?)null;
            return new HlsPlan(ladder, frameRate is { } rate && cap is { } most ? Math.Min(rate, most) : frameRate);
        }

        return new OutputsPlan(
            kinds.Contains(OutputKinds.Mp4),
            kinds.Contains(OutputKinds.Hls) ? Hls(width, height, frameRate) : null,
            kinds.Contains(OutputKinds.Poster) ? PosterPlan.For(width, height, duration) : null,
            kinds.Contains(OutputKinds.Storyboard) ? StoryboardPlan.For(width, height, duration) : null);
    }
}
