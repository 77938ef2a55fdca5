using System.Globalization;

namespace VideoConversion.Worker.Conversion.Runs;

/// <summary>
/// Turns FFmpeg's "-progress" key=value lines into a percentage of the input's duration.
/// </summary>
public sealed class ProgressTracker(TimeSpan? duration)
{
    private int _percent;

    /// <summary>The new percentage when <paramref name="line"/> moves progress forward; otherwise null.</summary>
    public int? Update(string line)
    {
        var separator = line.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0)
        {
            return null;
        }

        var key = line.AsSpan(0, separator);
        var value = line.AsSpan(separator + 1);
        int percent;
        if (key is "progress" && value is "end")
        {
            percent = 100;
        }
        // "out_time_ms" is in microseconds too (a long-standing FFmpeg quirk); newer versions add "out_time_us".
        else if ((key is "out_time_us" || key is "out_time_ms") &&
                 duration is { TotalMicroseconds: > 0 } total &&
                 long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var microseconds) &&
                 microseconds >= 0)
        {
            percent = (int)Math.Min(99, microseconds * 100 / total.TotalMicroseconds);
        }
        else
        {
            return null;
        }

        if (percent <= _percent)
        {
            return null;
        }

        _percent = percent;
        return percent;
    }
}
