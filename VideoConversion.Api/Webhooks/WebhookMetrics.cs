using System.Diagnostics.Metrics;
using VideoConversion.Api.Telemetry;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Webhooks;

/// <summary>Webhook attempts by outcome, and how long an event took to reach its receiver.</summary>
public sealed class WebhookMetrics
{
    /// <summary>delivered, retrying (this attempt failed, another follows) or failed (the schedule ran out).</summary>
    public const string OutcomeTag = "videoconversion.webhook.outcome";

    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _latency;

    public WebhookMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(JobMetrics.MeterName);
        _attempts = meter.CreateCounter<long>(
            "videoconversion.webhook.attempts", "{attempt}", "Webhook attempts, by outcome: delivered, retrying or failed.");
        _latency = meter.CreateHistogram(
            "videoconversion.webhook.delivery.duration", "s", "From the job change to the receiver's 2xx, retries included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.JobSeconds });
        foreach (var outcome in new[] { "delivered", "retrying", "failed" })
        {
            _attempts.Add(0, new KeyValuePair<string, object?>(OutcomeTag, outcome));
        }
    }

    public void Attempted(string outcome) => _attempts.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    public void Delivered(TimeSpan sinceEvent) => _latency.Record(sinceEvent.TotalSeconds);
}
