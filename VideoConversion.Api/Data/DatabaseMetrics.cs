using System.Diagnostics.Metrics;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Data;

/// <summary>The group commit at work: how many writes share a commit, and what the batch and its fsync cost.</summary>
public sealed class DatabaseMetrics
{
    public const string MeterName = TelemetryNames.Prefix + "Database";

    private readonly Histogram<int> _batchWrites;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<double> _commitDuration;

    public DatabaseMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _batchWrites = meter.CreateHistogram(
            "videoconversion.database.batch.writes", "{write}", "Writes committed together in one transaction (one fsync).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        _batchDuration = meter.CreateHistogram(
            "videoconversion.database.batch.duration", "s", "From a batch's BEGIN to its COMMIT returning: its writes, then the commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.FastSeconds });
        _commitDuration = meter.CreateHistogram(
            "videoconversion.database.commit.duration", "s", "A batch's COMMIT alone: the write-ahead log's fsync, mostly.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.FastSeconds });
    }

    public void Committed(int writes, double batchSeconds, double commitSeconds)
    {
        _batchWrites.Record(writes);
        _batchDuration.Record(batchSeconds);
        _commitDuration.Record(commitSeconds);
    }
}
