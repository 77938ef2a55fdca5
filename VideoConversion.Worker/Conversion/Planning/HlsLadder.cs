namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// The renditions of an adaptive stream. Each rung is a box the picture is fitted into, keeping its shape and
/// orientation (a portrait video gets 1080×1920 for "1080p"); a rung the source does not fill is made at the source's
/// size once, never larger, so a 360p upload yields one 360p rendition.
/// </summary>
public static class HlsLadder
{
    /// <summary>
    /// The rungs, best first, with the most each may spend at up to 30 frames a second: about what Apple's HLS
    /// authoring guide and the big services use for H.264. Renditions are capped-CRF, so simple pictures spend less.
    /// </summary>
    public static readonly IReadOnlyList<Rung> Rungs =
    [
        new("1080p", 1920, 1080, 5_000),
        new("720p", 1280, 720, 2_800),
        new("480p", 854, 480, 1_400),
        new("360p", 640, 360, 800),
    ];

    /// <summary>Above 30 frames a second a rendition may spend half as much again, as the guide advises for 60 fps.</summary>
    public const double HighFrameRateBitrateFactor = 1.5;

    /// <summary>The least any rendition may spend: below it a tiny source's rendition would starve on a busy scene.</summary>
    public const int MinBitrateKbps = 200;

    /// <param name="width">The picture as displayed (rotation applied, square pixels).</param>
    /// <param name="frameRate">The rate the renditions play at; null when unknown.</param>
    public static IReadOnlyList<RenditionPlan> For(int width, int height, double? frameRate)
    {
        var portrait = height > width;
        var rate = frameRate > 30.5 ? HighFrameRateBitrateFactor : 1.0;
        List<RenditionPlan> renditions = [];
        foreach (var rung in Rungs)
        {
            var (boxWidth, boxHeight) = Box(rung, portrait);
            var scale = Math.Min(1.0, Math.Min((double)boxWidth / width, (double)boxHeight / height));
            var (fittedWidth, fittedHeight) = (EvenSize.Floor(width * scale), EvenSize.Floor(height * scale));
            if (fittedWidth < 2 || fittedHeight < 2 || renditions.Any(made => made.Width == fittedWidth && made.Height == fittedHeight))
            {
                continue; // the source is smaller than this box too: it was made at its own size already
            }

            // The source's own size belongs to the smallest rung whose box holds it.
            var owner = scale < 1.0 ? rung : Rungs.Last(candidate => Fits(candidate, portrait, fittedWidth, fittedHeight));
            (boxWidth, boxHeight) = Box(owner, portrait);

            // A rendition that fills its box in one direction is that rung (1920×800 is "1080p"); a source between
            // rungs is named by its short side and spends by its share of the box's pixels.
            var fills = fittedWidth == boxWidth || fittedHeight == boxHeight;
            var name = fills ? owner.Name : $"{Math.Min(fittedWidth, fittedHeight)}p";
            var share = fills ? 1.0 : Math.Pow((double)fittedWidth * fittedHeight / (boxWidth * boxHeight), 0.75);
            var bitrate = Math.Max(MinBitrateKbps, (int)Math.Round(owner.MaxBitrateKbps * share * rate / 10) * 10);
            if (renditions.All(made => made.Name != name))
            {
                renditions.Add(new RenditionPlan(name, fittedWidth, fittedHeight, bitrate));
            }
        }

        return renditions;
    }

    private static (int Width, int Height) Box(Rung rung, bool portrait) =>
        portrait ? (rung.ShortSide, rung.LongSide) : (rung.LongSide, rung.ShortSide);

    private static bool Fits(Rung rung, bool portrait, int width, int height) =>
        Box(rung, portrait) is var (boxWidth, boxHeight) && width <= boxWidth && height <= boxHeight;

    /// <param name="MaxBitrateKbps">At up to 30 frames a second.</param>
    public sealed record Rung(string Name, int LongSide, int ShortSide, int MaxBitrateKbps);
}
