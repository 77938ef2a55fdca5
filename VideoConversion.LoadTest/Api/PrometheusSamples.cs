using System.Globalization;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// The samples of a /metrics page (Prometheus's text format, as the API's OpenTelemetry exporter writes it): the lines of
/// one name whose labels include the ones asked for, each with its label set and its value. A timestamp after the value,
/// which the format allows, is not taken for it.
/// </summary>
public static class PrometheusSamples
{
    /// <param name="name">The sample's name as written before its labels (a histogram's bucket lines end in <c>_bucket</c>).</param>
    /// <param name="labels">Labels a sample must carry, with these values, to be read.</param>
    public static IEnumerable<(string Labels, double Value)> Of(string prometheusText, string name, params (string Label, string Value)[] labels)
    {
        var prefix = name + "{";
        foreach (var line in prometheusText.Split('\n'))
        {
            // The last brace closes the label set: a label's value may hold braces ("/jobs/{jobId}"); the value never does.
            var end = line.LastIndexOf('}');
            if (!line.StartsWith(prefix, StringComparison.Ordinal) || end < prefix.Length)
            {
                continue;
            }

            var labelSet = line[prefix.Length..end];
            var value = line[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (labels.All(label => labelSet.Contains($"{label.Label}=\"{label.Value}\"", StringComparison.Ordinal)) &&
                double.TryParse(value, CultureInfo.InvariantCulture, out var parsed))
            {
                yield return (labelSet, parsed);
            }
        }
    }

    /// <summary>The value of <paramref name="label"/> in a sample's label set; null when it has none.</summary>
    public static string? LabelValue(string labelSet, string label)
    {
        // At the set's start or after a comma: "le" is also the end of other labels' names ("handle").
        var key = $"{label}=\"";
        int start;
        if (labelSet.StartsWith(key, StringComparison.Ordinal))
        {
            start = key.Length;
        }
        else
        {
            var at = labelSet.IndexOf("," + key, StringComparison.Ordinal);
            if (at < 0)
            {
                return null;
            }

            start = at + 1 + key.Length;
        }

        var end = labelSet.IndexOf('"', start);
        return end < 0 ? null : labelSet[start..end];
    }
}
