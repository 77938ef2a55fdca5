namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// Scrubbing previews: a thumbnail every <see cref="Interval"/>, in sprite sheets of <see cref="Columns"/> ×
/// <see cref="Rows"/> tiles, indexed by a WebVTT file whose cues point into the sheets (<c>sheet.jpg#xywh=x,y,w,h</c>),
/// as Video.js, Vidstack and the hls.js-based players read them.
/// </summary>
public sealed record StoryboardPlan(int TileWidth, int TileHeight, int Columns, int Rows, TimeSpan Interval)
{
    /// <summary>The tiles' longer side: what players show over a seek bar.</summary>
    public const int TileLongSide = 160;

    /// <summary>The most tiles a sheet holds a side: 10 × 10 tiles of 160×90 make a 1600×900 sheet, quick to fetch.</summary>
    public const int MaxTilesPerSide = 10;

    /// <summary>About a hundred thumbnails in all, one every 2 s at least (short clips) and every 10 s at most (long videos).</summary>
    public const int TargetTiles = 100;

    public static readonly TimeSpan ShortestInterval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan LongestInterval = TimeSpan.FromSeconds(10);

    /// <param name="width">The picture as displayed (rotation applied, square pixels).</param>
    /// <param name="duration">How long the video plays; null when unknown (the longest interval is used).</param>
    public static StoryboardPlan For(int width, int height, TimeSpan? duration)
    {
        var seconds = duration is { } known ? Math.Ceiling(known.TotalSeconds / TargetTiles) : LongestInterval.TotalSeconds;
        var interval = TimeSpan.FromSeconds(Math.Clamp(seconds, ShortestInterval.TotalSeconds, LongestInterval.TotalSeconds));
        var scale = (double)TileLongSide / Math.Max(width, height);
        var (tileWidth, tileHeight) = (Math.Max(2, EvenSize.Floor(width * scale)), Math.Max(2, EvenSize.Floor(height * scale)));

        // A short video's sheet is only as large as its tiles need: a 20 s clip has 10 tiles, in one row.
        var tiles = duration is { } length ? Math.Max(1, (int)Math.Ceiling(length / interval)) : MaxTilesPerSide * MaxTilesPerSide;
        var columns = Math.Min(MaxTilesPerSide, tiles);
        var rows = Math.Min(MaxTilesPerSide, (tiles + columns - 1) / columns);
        return new StoryboardPlan(tileWidth, tileHeight, columns, rows, interval);
    }

    public int TilesPerSheet => Columns * Rows;
}
