using System.Globalization;
using System.Text;
using VideoConversion.Worker.Conversion.Planning;

namespace VideoConversion.Worker.Conversion.Outputs;

/// <summary>
/// The storyboard's WebVTT index: one cue per thumbnail, from its instant to the next one's, pointing at its tile in
/// a sprite sheet with a media fragment (<c>sheet001.jpg#xywh=160,0,160,90</c>). The last cue runs to the video's end.
/// </summary>
public static class StoryboardIndex
{
    /// <param name="tiles">Thumbnails made (FFmpeg's count, not the estimate).</param>
    /// <param name="duration">How long the video plays, as its outputs measured it.</param>
    public static string Write(StoryboardPlan plan, int tiles, TimeSpan duration)
    {
        // To the millisecond, rounded up: the last cue may end a hair after the video, never before it.
        duration = TimeSpan.FromMilliseconds(Math.Ceiling(duration.TotalMilliseconds));
        var text = new StringBuilder("WEBVTT\n");
        for (var tile = 0; tile < tiles; tile++)
        {
            var start = plan.Interval * tile;
            if (start >= duration && tile > 0)
            {
                break; // a picture the frame rate filter added at the very end shows nothing new
            }

            var last = tile == tiles - 1 || plan.Interval * (tile + 1) >= duration;
            var end = last ? Max(duration, start + TimeSpan.FromMilliseconds(1)) : plan.Interval * (tile + 1);
            var sheet = tile / plan.TilesPerSheet + 1;
            var place = tile % plan.TilesPerSheet;
            var (x, y) = (place % plan.Columns * plan.TileWidth, place / plan.Columns * plan.TileHeight);
            text.Append(CultureInfo.InvariantCulture,
                $"\n{Timestamp(start)} --> {Timestamp(end)}\n{OutputFiles.StoryboardSheetName(sheet)}#xywh={x},{y},{plan.TileWidth},{plan.TileHeight}\n");
            if (last)
            {
                break;
            }
        }

        return text.ToString();
    }

    /// <summary>The cues' spans, for the check that they cover the video: (start, end) in order.</summary>
    public static IReadOnlyList<(TimeSpan Start, TimeSpan End)> Cues(string vtt) =>
        vtt.Split('\n').Where(line => line.Contains(" --> ", StringComparison.Ordinal))
            .Select(line => line.Split(" --> "))
            .Select(parts => (Parse(parts[0]), Parse(parts[1])))
            .ToList();

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Timestamp(TimeSpan time) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours:00}:{time.Minutes:00}:{time.Seconds:00}.{time.Milliseconds:000}");

    private static TimeSpan Parse(string timestamp)
    {
        var parts = timestamp.Trim().Split(':');
        return TimeSpan.FromHours(int.Parse(parts[0], CultureInfo.InvariantCulture)) +
               TimeSpan.FromMinutes(int.Parse(parts[1], CultureInfo.InvariantCulture)) +
               TimeSpan.FromSeconds(double.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
