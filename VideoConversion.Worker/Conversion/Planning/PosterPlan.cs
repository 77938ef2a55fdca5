namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// The poster: of <see cref="Candidates"/> frames sampled evenly between <see cref="WindowStart"/> and
/// <see cref="WindowEnd"/> (the first and last twentieth left out, where fades and black frames are), FFmpeg's
/// thumbnail filter keeps the one most like the rest: a representative picture, not an outlier.
/// </summary>
public sealed record PosterPlan(int Width, int Height, TimeSpan WindowStart, TimeSpan WindowEnd, int Candidates)
{
    /// <summary>The poster's longer side at most (players and lists show it smaller; larger would only cost bytes).</summary>
    public const int MaxLongSide = 1280;

    /// <summary>
    /// Enough candidates to find a typical frame, few enough to hold in memory at once (30 at 1280×720 is about
    /// 40 MiB): the thumbnail filter keeps its whole batch.
    /// </summary>
    public const int MaxCandidates = 30;

    /// <summary>Without a known duration (a live recording states none), the poster is chosen from the first minute.</summary>
    private static readonly TimeSpan UnknownDurationWindow = TimeSpan.FromMinutes(1);

    public TimeSpan CandidateInterval => (WindowEnd - WindowStart) / Candidates;

    /// <param name="width">The picture as displayed (rotation applied, square pixels).</param>
    public static PosterPlan For(int width, int height, TimeSpan? duration)
    {
        var scale = Math.Min(1.0, (double)MaxLongSide / Math.Max(width, height));
        var (posterWidth, posterHeight) = (Math.Max(2, EvenSize.Floor(width * scale)), Math.Max(2, EvenSize.Floor(height * scale)));
        var length = duration is { } known && known > TimeSpan.Zero ? known : UnknownDurationWindow;
        var (start, end) = duration is null ? (TimeSpan.Zero, length) : (length / 20, length - length / 20);

        // One candidate a frame at most for a short clip (a tenth of a second apart), 30 for anything longer than 3 s.
        var candidates = (int)Math.Clamp((end - start) / TimeSpan.FromSeconds(0.1), 1, MaxCandidates);
        return new PosterPlan(posterWidth, posterHeight, start, end, candidates);
    }
}
