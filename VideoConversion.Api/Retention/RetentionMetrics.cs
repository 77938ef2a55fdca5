using System.Diagnostics.Metrics;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.Retention;

/// <summary>What the retention sweeper removed, by kind: expired uploads, inputs, outputs.</summary>
public sealed class RetentionMetrics
{
    public const string KindTag = "videoconversion.retention.kind";

    private readonly Counter<long> _swept;

    public RetentionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(JobMetrics.MeterName);
        _swept = meter.CreateCounter<long>(
            "videoconversion.retention.swept", "{object}",
            "Objects the retention sweeper removed from storage, by kind (upload: never finished; input: after its job ended; output: past its retention).");
    }

    public void Swept(string kind) => _swept.Add(1, new KeyValuePair<string, object?>(KindTag, kind));
}
