using System.Globalization;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// One histogram of a /metrics page at one moment: for each bucket's upper bound (<c>le</c>), how many observations fell at
/// or below it since the process started, summed over the series whose labels include the ones asked for.
/// </summary>
public sealed record PrometheusHistogram(IReadOnlyList<(double UpperBound, double Count)> Buckets)
{
    public static readonly PrometheusHistogram Empty = new([]);

    /// <summary>Every observation (the <c>+Inf</c> bucket's count); 0 for a histogram not on the page.</summary>
    public double Count => Buckets.Count == 0 ? 0 : Buckets[^1].Count;

    /// <param name="name">The histogram's name on the page, without <c>_bucket</c> (e.g. <c>videoconversion_database_flush_duration_seconds</c>).</param>
    /// <param name="labels">Labels a series must carry to count, e.g. <c>("http_route", "/jobs/")</c>.</param>
    public static PrometheusHistogram Parse(string prometheusText, string name, params (string Label, string Value)[] labels)
    {
        var counts = new SortedDictionary<double, double>();
        foreach (var (labelSet, count) in PrometheusSamples.Of(prometheusText, name + "_bucket", labels))
        {
            var bound = PrometheusSamples.LabelValue(labelSet, "le");
            var upperBound = double.PositiveInfinity;
            if (bound is null || (bound != "+Inf" && !double.TryParse(bound, CultureInfo.InvariantCulture, out upperBound)))
            {
                continue;
            }

            counts[upperBound] = counts.GetValueOrDefault(upperBound) + count;
        }

        return new PrometheusHistogram([.. counts.Select(bucket => (bucket.Key, bucket.Value))]);
    }

    /// <summary>
    /// The observations made between <paramref name="earlier"/> and this reading (bucket by bucket). A bucket that went down
    /// can only be a process restarted in between: it counts from its restart. (One restarted that has already counted
    /// more in every bucket cannot be told apart.)
    /// </summary>
    public PrometheusHistogram Since(PrometheusHistogram earlier)
    {
        if (Buckets.Any(bucket => bucket.Count < earlier.CountAtMost(bucket.UpperBound)))
        {
            return this;
        }

        return new PrometheusHistogram([.. Buckets.Select(bucket => (bucket.UpperBound, bucket.Count - earlier.CountAtMost(bucket.UpperBound)))]);
    }

    /// <summary>Observations at or below <paramref name="upperBound"/> (by the buckets' bounds: those of a bucket above it do not count).</summary>
    public double CountAtMost(double upperBound)
    {
        var count = 0.0;
        foreach (var bucket in Buckets)
        {
            if (bucket.UpperBound > upperBound)
            {
                break;
            }

            count = bucket.Count;
        }

        return count;
    }

    /// <summary>The upper bound of the lowest bucket that holds every observation: the slowest was at most this; null for none.</summary>
    public double? SlowestAtMost => Count == 0 ? null : Buckets.First(bucket => bucket.Count >= Count).UpperBound;
}
