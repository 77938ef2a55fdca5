using System.Text.Json;
using System.Text.RegularExpressions;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>The Grafana dashboards in manifests/monitoring/dashboards and the PromQL their panels run.</summary>
public static partial class DashboardQueries
{
    public static string Directory { get; } = Path.Combine(RepositoryPaths.Root, "manifests", "monitoring", "dashboards");

    public static IReadOnlyDictionary<string, JsonElement> Dashboards() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .ToDictionary(file => Path.GetFileNameWithoutExtension(file), file => JsonDocument.Parse(File.ReadAllText(file)).RootElement.Clone());

    public static IEnumerable<string> Expressions(JsonElement dashboard) =>
        dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray())
            .Select(target => target.GetProperty("expr").GetString()!);

    /// <summary>The metric families of ours a query reads (histogram series named by their family; label names left out).</summary>
    public static IEnumerable<string> OurFamilies(string expression) =>
        OurMetric().Matches(LabelsAndGrouping().Replace(expression, " "))
            .Select(match => HistogramSeries().Replace(match.Value, ""));

    [GeneratedRegex(@"\{[^}]*\}|\b(by|without)\s*\([^)]*\)")]
    private static partial Regex LabelsAndGrouping();

    [GeneratedRegex(@"videoconversion_[a-z_]+")]
    private static partial Regex OurMetric();

    [GeneratedRegex(@"_(bucket|count|sum)$")]
    private static partial Regex HistogramSeries();
}
