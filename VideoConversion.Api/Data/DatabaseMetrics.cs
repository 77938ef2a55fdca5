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
    private readonly Histogram<double> _flushDuration;
    private readonly Histogram<int> _flushBatches;
    private readonly Histogram<double> _checkpointDuration;
    private readonly Histogram<long> _checkpointFrames;
    private readonly Counter<long> _groupsUndone;

    /// <summary>The attribute of <c>database.groups.undone</c>: what undid the group.</summary>
    public const string UndoneCauseAttribute = "videoconversion.database.undone_cause";

    /// <summary>A group's locks not granted in time, or a deadlock the server broke: the group runs again later.</summary>
    public const string UndoneByLocks = "locks";

    /// <summary>A write of the group threw: it runs alone, the others together again.</summary>
    public const string UndoneByWrite = "write";

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
            "videoconversion.database.commit.duration", "s", "A batch's COMMIT alone: on PostgreSQL the WAL's flush, mostly; on SQLite in WAL mode the log written (its fsync is database.flush.duration).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.FastSeconds });
        _flushDuration = meter.CreateHistogram(
            "videoconversion.database.flush.duration", "s", "SQLite: the write-ahead log's fsync after batches committed without one; their writes are answered after it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.FastSeconds });
        _flushBatches = meter.CreateHistogram(
            "videoconversion.database.flush.batches", "{batch}", "SQLite: batches made durable by one fsync of the log (committed while the last one ran).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16] });
        _checkpointDuration = meter.CreateHistogram(
            "videoconversion.database.checkpoint.duration", "s", "SQLite: a checkpoint that copied the write-ahead log's frames into the database file, off the writer's lane.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.FastSeconds });
        _checkpointFrames = meter.CreateHistogram(
            "videoconversion.database.checkpoint.frames", "{frame}", "SQLite: the log's frames (pages written) a checkpoint copied into the database file.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [16, 64, 256, 1024, 4096, 16384] });
        _groupsUndone = meter.CreateCounter<long>(
            "videoconversion.database.groups.undone", "{group}", "PostgreSQL: groups of an account lane's writes undone whole before their commit, by cause.");
    }

    public void Committed(int writes, double batchSeconds, double commitSeconds)
    {
        _batchWrites.Record(writes);
        _batchDuration.Record(batchSeconds);
        _commitDuration.Record(commitSeconds);
    }

    public void Flushed(int batches, double seconds)
    {
        _flushBatches.Record(batches);
        _flushDuration.Record(seconds);
    }

    public void GroupUndone(string cause) => _groupsUndone.Add(1, new KeyValuePair<string, object?>(UndoneCauseAttribute, cause));

    public void Checkpointed(long frames, double seconds)
    {
        _checkpointFrames.Record(frames);
        _checkpointDuration.Record(seconds);
    }
}
