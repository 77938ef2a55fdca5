namespace VideoConversion.LoadTest.Reports;

/// <summary>Order statistics of a sample, by linear interpolation between the closest ranks (as NumPy's default).</summary>
public static class Percentiles
{
    /// <param name="percentile">0 to 100.</param>
    public static double? Of(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var rank = percentile / 100 * (sorted.Length - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
    }

    /// <summary>The middle value; NaN for no values (a report prints it as such rather than failing).</summary>
    public static double Median(IEnumerable<double> values) => Of(values, 50) ?? double.NaN;

    /// <summary>How far the values spread: the largest less the smallest.</summary>
    public static double Range(IReadOnlyCollection<double> values) => values.Max() - values.Min();
}
