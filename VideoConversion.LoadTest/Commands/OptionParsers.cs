using System.CommandLine.Parsing;
using System.Globalization;

namespace VideoConversion.LoadTest.Commands;

/// <summary>Values System.CommandLine does not read by itself, with errors that say what was expected.</summary>
public static class OptionParsers
{
    public static Uri AbsoluteUri(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        result.AddError($"'{text}' is not an http(s) address, e.g. http://localhost:8000.");
        return new Uri("http://invalid");
    }

    /// <summary>A count of runs: at least one, since what is reported of them is their median.</summary>
    public static int Runs(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs >= 1)
        {
            return runs;
        }

        result.AddError($"'{text}' is not a number of runs: at least 1, since each comparison reports the median of its runs.");
        return 1;
    }

    /// <summary>"500ms", "30s", "10m", "1h" or a TimeSpan such as "00:10:00".</summary>
    public static TimeSpan Duration(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value.Trim();
        (string Suffix, Func<double, TimeSpan> Make)[] units =
            [("ms", TimeSpan.FromMilliseconds), ("s", TimeSpan.FromSeconds), ("m", TimeSpan.FromMinutes), ("h", TimeSpan.FromHours)];
        foreach (var (suffix, make) in units)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) &&
                double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
            {
                return make(amount);
            }
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        result.AddError($"'{text}' is not a duration: use 500ms, 30s, 10m, 1h or 00:10:00.");
        return TimeSpan.Zero;
    }
}
