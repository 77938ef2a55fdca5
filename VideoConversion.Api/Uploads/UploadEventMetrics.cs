using System.Diagnostics.Metrics;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.Api.Uploads;

/// <summary>What became of storage's upload events, and of uploads whose event never came (found by the sweeper).</summary>
public sealed class UploadEventMetrics
{
    public const string MeterName = TelemetryNames.Prefix + "Uploads";

    /// <summary>The outcomes, as the metric's attribute values.</summary>
    public static class Outcomes
    {
        /// <summary>The job started: PENDING, its message in the outbox.</summary>
        public const string Submitted = "submitted";

        /// <summary>Remembered for POST /jobs (a job asked to wait for it).</summary>
        public const string Recorded = "recorded";

        /// <summary>The upload may not be kept: removed, and a job that was to start on upload FAILED with the reason.</summary>
        public const string Refused = "refused";

        /// <summary>Heard of before, or the job has moved on (submitted, canceled, expired).</summary>
        public const string Duplicate = "duplicate";

        /// <summary>Of no job (another bucket, an object no upload request named).</summary>
        public const string Unknown = "unknown";

        /// <summary>Not an S3 event record.</summary>
        public const string Unreadable = "unreadable";

        /// <summary>Its handling failed every time (the database or storage away): let go; the safety nets start its job.</summary>
        public const string Failed = "failed";

        /// <summary>An upload the sweeper found in storage after its URL expired: its event never came.</summary>
        public const string Missed = "missed";
    }

    private readonly Counter<long> _events;

    public UploadEventMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _events = meter.CreateCounter<long>(
            "videoconversion.upload_events", "{event}", "Upload events from storage, by what became of them; 'missed': uploads found without their event.");
        _events.Add(0, Outcome(Outcomes.Submitted));
        _events.Add(0, Outcome(Outcomes.Missed));
    }

    public void Handled(string outcome) => _events.Add(1, Outcome(outcome));

    private static KeyValuePair<string, object?> Outcome(string outcome) => new(TelemetryNames.UploadEventOutcome, outcome);
}
