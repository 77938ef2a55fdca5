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
    /// <param name="frameRate">The rate the video plays at after any cap; null when unknown.</param>
    public static OutputsPlan For(IReadOnlyList<string>? kinds, int width, int height, double? frameRate, TimeSpan? duration)
    {
        if (kinds is null || kinds.SequenceEqual(OutputKinds.Default))
        {
            return Mp4Only;
        }

        return new OutputsPlan(
            kinds.Contains(OutputKinds.Mp4),
            kinds.Contains(OutputKinds.Hls) ? new HlsPlan(HlsLadder.For(width, height, frameRate), frameRate) : null,
            kinds.Contains(OutputKinds.Poster) ? PosterPlan.For(width, height, duration) : null,
            kinds.Contains(OutputKinds.Storyboard) ? StoryboardPlan.For(width, height, duration) : null);
    }
}
