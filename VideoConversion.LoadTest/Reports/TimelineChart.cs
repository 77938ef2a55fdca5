using System.Globalization;
using System.Xml.Linq;
using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Reports;

/// <summary>
/// The run's timeline as an SVG line chart any browser shows: jobs waiting in the queue, workers
/// attached, this run's jobs being converted, over time, with the injected faults marked.
/// </summary>
public static class TimelineChart
{
    private const double Width = 900;
    private const double Height = 360;
    private const double Left = 56;
    private const double Right = 20;
    private const double Top = 40;
    private const double Bottom = 46;

    private static readonly (string Name, string Colour, Func<TimelinePoint, double?> Value)[] Series =
    [
        ("waiting in video_jobs", "#d62728", point => point.Waiting),
        ("workers", "#1f77b4", point => point.Workers),
        ("converting (this run)", "#2ca02c", point => point.Busy),
    ];

    public static string Render(RunResult run)
    {
        var points = run.Timeline;
        var maxX = Math.Max(1, points.Count == 0 ? 1 : points.Max(point => point.Seconds));
        var maxY = Math.Max(1, Series.SelectMany(series => points.Select(series.Value)).Max() ?? 1);
        maxY = Math.Ceiling(maxY * 1.1);
        double X(double seconds) => Left + seconds / maxX * (Width - Left - Right);
        double Y(double value) => Height - Bottom - value / maxY * (Height - Top - Bottom);

        XNamespace svg = "http://www.w3.org/2000/svg";
        var root = new XElement(svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", Height), new XAttribute("viewBox", $"0 0 {Width} {Height}"),
            new XAttribute("font-family", "sans-serif"), new XAttribute("font-size", 12),
            new XElement(svg + "rect", new XAttribute("width", Width), new XAttribute("height", Height), new XAttribute("fill", "white")),
            new XElement(svg + "text", new XAttribute("x", Left), new XAttribute("y", 22), new XAttribute("font-size", 15),
                $"{run.Command}: {run.Jobs.Count} jobs, concurrency {run.Settings.Concurrency}, {run.WallSeconds:F0} s"));

        // Axes, with a few ticks each.
        root.Add(Line(svg, Left, Height - Bottom, Width - Right, Height - Bottom, "#444"), Line(svg, Left, Top, Left, Height - Bottom, "#444"));
        for (var tick = 0; tick <= 5; tick++)
        {
            var value = maxY * tick / 5;
            root.Add(Line(svg, Left - 4, Y(value), Width - Right, Y(value), "#e5e5e5"),
                Text(svg, Left - 8, Y(value) + 4, Format(value), "end"));
            var seconds = maxX * tick / 5;
            root.Add(Text(svg, X(seconds), Height - Bottom + 18, $"{Format(seconds)} s", "middle"));
        }

        foreach (var marker in run.Events.Select(ParseEventTime).OfType<double>())
        {
            root.Add(new XElement(svg + "line", new XAttribute("x1", X(marker)), new XAttribute("x2", X(marker)),
                new XAttribute("y1", Top), new XAttribute("y2", Height - Bottom),
                new XAttribute("stroke", "#ff7f0e"), new XAttribute("stroke-dasharray", "4 3")));
        }

        var legendX = Left + 10;
        foreach (var (name, colour, value) in Series)
        {
            var coordinates = points.Where(point => value(point) is not null)
                .Select(point => string.Create(CultureInfo.InvariantCulture, $"{X(point.Seconds):F1},{Y(value(point)!.Value):F1}"));
            root.Add(new XElement(svg + "polyline", new XAttribute("points", string.Join(' ', coordinates)),
                new XAttribute("fill", "none"), new XAttribute("stroke", colour), new XAttribute("stroke-width", 2)));
            root.Add(new XElement(svg + "rect", new XAttribute("x", legendX), new XAttribute("y", Height - 16),
                    new XAttribute("width", 12), new XAttribute("height", 4), new XAttribute("fill", colour)),
                Text(svg, legendX + 16, Height - 11, name, "start"));
            legendX += 180;
        }

        if (run.Events.Count > 0)
        {
            root.Add(Text(svg, legendX, Height - 11, "┆ fault injected", "start"));
        }

        return new XDocument(root).ToString();
    }

    private static XElement Line(XNamespace svg, double x1, double y1, double x2, double y2, string colour) =>
        new(svg + "line", new XAttribute("x1", x1), new XAttribute("y1", y1), new XAttribute("x2", x2), new XAttribute("y2", y2),
            new XAttribute("stroke", colour));

    private static XElement Text(XNamespace svg, double x, double y, string text, string anchor) =>
        new(svg + "text", new XAttribute("x", x), new XAttribute("y", y), new XAttribute("text-anchor", anchor), text);

    private static string Format(double value) => value.ToString(value < 10 ? "0.#" : "0", CultureInfo.InvariantCulture);

    /// <summary>Events are written "12.3 s: what happened".</summary>
    private static double? ParseEventTime(string line) =>
        double.TryParse(line.Split(' ', 2)[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
}
