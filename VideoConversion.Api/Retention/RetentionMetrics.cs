using System.Diagnostics.Metrics;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.Retention;

/// <summary>What the retention sweeper removed, by kind: expired uploads, inputs, outputs; and the sweeps it completed.</summary>
public sealed class RetentionMetrics
{
    public const string KindTag = "videoconversion.retention.kind";

    private readonly Counter<long> _swept;
    private readonly Counter<long> _sweeps;

    public RetentionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(JobMetrics.MeterName);
        _swept = meter.CreateCounter<long>(
            "videoconversion.retention.swept", "{object}",
            "Objects the retention sweeper removed from storage, by kind (upload: never finished; input: after its job ended; output: past its retention).");
        _sweeps = meter.CreateCounter<long>(
            "videoconversion.retention.sweeps", "{sweep}",
            "Retention sweeps this API process completed: one each Retention:SweepInterval on the replica holding the sweeper's duty, none on the others.");
    }

    public void SweepCompleted() => _sweeps.Add(1);

    public void Swept(string kind) => _swept.Add(1, new KeyValuePair<string, object?>(KindTag, kind));
}
