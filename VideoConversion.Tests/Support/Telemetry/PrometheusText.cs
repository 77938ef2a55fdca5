using System.Globalization;
using System.Text.RegularExpressions;

namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>A scrape of a Prometheus text-format /metrics endpoint: each sample by name and labels.</summary>
public sealed partial class PrometheusText
{
    private readonly List<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> _samples = [];

    public string Text { get; }

    public PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"Not a Prometheus sample line: '{line}'");
            }

            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(pair => pair.Groups["key"].Value, pair => pair.Groups["value"].Value);
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var number => double.Parse(number, CultureInfo.InvariantCulture),
            };
            _samples.Add((match.Groups["name"].Value, labels, value));
        }
    }

    public bool Has(string name) => _samples.Exists(sample => sample.Name == name);

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include <paramref name="labels"/>; 0 if none.</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => _samples
        .Where(sample => sample.Name == name && labels.All(label => sample.Labels.GetValueOrDefault(label.Key) == label.Value))
        .Sum(sample => sample.Value);

    /// <summary>How many samples are named <paramref name="name"/> and have <paramref name="labels"/>.</summary>
    public int Count(string name, params (string Key, string Value)[] labels) => _samples
        .Count(sample => sample.Name == name && labels.All(label => sample.Labels.GetValueOrDefault(label.Key) == label.Value));

    /// <summary>Asserts that the samples named <paramref name="name"/> (with <paramref name="labels"/>) grew by at least <paramref name="atLeast"/>.</summary>
    public static void AssertGrew(PrometheusText before, PrometheusText after, string name, double atLeast, params (string Key, string Value)[] labels)
    {
        var grown = after.Sum(name, labels) - before.Sum(name, labels);
        Assert.True(grown >= atLeast, $"{name}{{{string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"))}}} grew by {grown}, expected at least {atLeast}");
    }

    /// <summary>Whether a # TYPE line declares <paramref name="family"/> as <paramref name="type"/>.</summary>
    public bool Declares(string family, string type) => Text.Contains($"# TYPE {family} {type}\n", StringComparison.Ordinal);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
