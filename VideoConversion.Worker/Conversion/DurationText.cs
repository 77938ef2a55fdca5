using System.Globalization;

namespace VideoConversion.Worker.Conversion;

/// <summary>Durations as people read them in error messages: "4:00:00", "0:02".</summary>
public static class DurationText
{
    public static string Of(TimeSpan duration) =>
        duration.ToString(duration.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}
