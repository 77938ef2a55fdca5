using System.Globalization;

namespace VideoConversion.Worker.Conversion;

/// <summary>Durations as people read them in error messages: "4:00:00", "0:02".</summary>
public static class DurationText
{
    public static string Of(TimeSpan duration) => duration.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalHours}:{duration:mm\\:ss}")
        : duration.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
