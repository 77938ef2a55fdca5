using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.UnitTests.ServiceDefaults;

/// <summary>The limits the services' metrics keep: low where the tags are known, OpenTelemetry's default elsewhere.</summary>
public sealed class MetricCardinalityTests
{
    private const int Combinations = 300; // past the known meters' limit, within the default

    [Fact]
    public void A_known_meter_keeps_its_limit_and_sums_the_rest_in_the_overflow_point()
    {
        var points = Export(TelemetryNames.Prefix + "CardinalityTest", meter => meter.CreateCounter<long>("requests"));

        Assert.Equal(MetricCardinality.Known, points.Count(point => !IsOverflow(point)));
        var overflow = Assert.Single(points, IsOverflow);
        Assert.Equal(Combinations - MetricCardinality.Known, overflow.GetSumLong());
    }

    [Fact]
    public void Any_other_meter_keeps_every_combination()
    {
        // HttpClient's and DNS's meters tag the hosts called (webhook receivers are the users' to choose); request durations
        // are by route × method × status; Kestrel's connections by local address, port, protocol, TLS and how they ended.
        Assert.False(MetricCardinality.IsKnown("System.Net.Http"));
        Assert.False(MetricCardinality.IsKnown("System.Net.NameResolution"));
        Assert.False(MetricCardinality.IsKnown("Microsoft.AspNetCore.Hosting"));
        Assert.False(MetricCardinality.IsKnown("Microsoft.AspNetCore.Server.Kestrel"));

        var points = Export("Elsewhere.CardinalityTest", meter => meter.CreateCounter<long>("requests"));

        Assert.Equal(Combinations, points.Count);
        Assert.DoesNotContain(points, IsOverflow);
    }

    [Fact]
    public void A_known_meter_s_histogram_keeps_the_buckets_its_instrument_advises()
    {
        double[] bounds = [0.5, 5, 50];
        var points = Export(TelemetryNames.Prefix + "CardinalityTest", meter => meter.CreateHistogram(
            "duration", "s", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = bounds }));

        var first = points.First(point => !IsOverflow(point));
        List<double> exported = [];
        foreach (var bucket in first.GetHistogramBuckets())
        {
            exported.Add(bucket.ExplicitBound);
        }

        Assert.Equal([.. bounds, double.PositiveInfinity], exported);
    }

    /// <summary>One measurement of 1 for each of <see cref="Combinations"/> values of a tag, read back as the services read them.</summary>
    private static List<MetricPoint> Export<T>(string meterName, Func<Meter, T> create) where T : Instrument
    {
        List<Metric> exported = [];
        using var meter = new Meter(meterName);
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meterName)
            .AddView(MetricCardinality.Limit)
            .AddReader(new BaseExportingMetricReader(new CollectingExporter(exported)))
            .Build();

        var instrument = create(meter);
        for (var i = 0; i < Combinations; i++)
        {
            var tag = new KeyValuePair<string, object?>("value", i);
            switch (instrument)
            {
                case Counter<long> counter: counter.Add(1, tag); break;
                case Histogram<double> histogram: histogram.Record(1, tag); break;
            }
        }

        Assert.True(provider.ForceFlush());
        List<MetricPoint> points = [];
        foreach (var point in Assert.Single(exported).GetMetricPoints())
        {
            points.Add(point);
        }

        return points;
    }

    private static bool IsOverflow(MetricPoint point)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == "otel.metric.overflow")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Keeps the metrics of the reader's one collection (points are read before the provider goes).</summary>
    private sealed class CollectingExporter(List<Metric> exported) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                exported.Add(metric);
            }

            return ExportResult.Success;
        }
    }
}
