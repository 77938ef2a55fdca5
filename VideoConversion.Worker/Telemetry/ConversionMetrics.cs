using System.Diagnostics.Metrics;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Worker.Telemetry;

/// <summary>
/// What a worker measures about the conversions it runs. Every worker reports its own share;
/// Prometheus adds them up (sum by name), so a counter here is never counted twice.
/// </summary>
public sealed class ConversionMetrics
{
    public const string MeterName = TelemetryNames.Prefix + "Worker";

    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _processing;
    private readonly Histogram<double> _speed;
    private readonly Counter<long> _io;

    public ConversionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>(
            "videoconversion.conversions.active", "{conversion}", "Jobs this worker is processing right now.");
        _processing = meter.CreateHistogram(
            "videoconversion.job.processing.duration", "s", "One attempt: download, conversion, check and upload, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.JobSeconds });
        _speed = meter.CreateHistogram(
            "videoconversion.ffmpeg.speed", "1", "Seconds of video FFmpeg converted per second of wall-clock time (2 = twice real time).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.SpeedMultiples });
        _io = meter.CreateCounter<long>(
            "videoconversion.conversion.io", "By", "Video bytes moved between storage and the worker: in (inputs downloaded) and out (outputs stored).");

        // Counters exist from the start at zero (a dashboard shows 0, not "no data").
        _io.Add(0, new KeyValuePair<string, object?>(TelemetryNames.IoDirection, "in"));
        _io.Add(0, new KeyValuePair<string, object?>(TelemetryNames.IoDirection, "out"));
    }

    /// <summary>Counts a conversion as active until the returned handle is disposed.</summary>
    public IDisposable Active()
    {
        _active.Add(1);
        return new ActiveConversion(_active);
    }

    /// <param name="outcome">"done", "failed" (the input cannot be converted), "retry" or "interrupted".</param>
    public void AttemptFinished(TimeSpan elapsed, string outcome, string? method) =>
        _processing.Record(elapsed.TotalSeconds,
            new KeyValuePair<string, object?>(TelemetryNames.JobOutcome, outcome),
            new KeyValuePair<string, object?>(TelemetryNames.ConversionMethod, method ?? "none"));

    public void Converted(Conversion.ConversionSummary summary)
    {
        if (summary.Speed is { } speed)
        {
            _speed.Record(speed, new KeyValuePair<string, object?>(TelemetryNames.ConversionMethod, summary.Method));
        }
    }

    public void Downloaded(long bytes) => _io.Add(bytes, new KeyValuePair<string, object?>(TelemetryNames.IoDirection, "in"));

    public void Uploaded(long bytes) => _io.Add(bytes, new KeyValuePair<string, object?>(TelemetryNames.IoDirection, "out"));

    private sealed class ActiveConversion(UpDownCounter<long> active) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                active.Add(-1);
            }
        }
    }
}
