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
}
