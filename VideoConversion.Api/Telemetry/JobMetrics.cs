using System.Diagnostics.Metrics;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Telemetry;

/// <summary>
/// The API's job metrics. The API records what it alone decides (a job accepted, a job's final
/// outcome): each is counted exactly once, however many workers there are. Names and units
/// follow the OpenTelemetry conventions; Prometheus sees them as videoconversion_jobs_submitted_total,
/// videoconversion_job_duration_seconds and so on.
/// </summary>
public sealed class JobMetrics
{
    public const string MeterName = TelemetryNames.Prefix + "Api";

    private readonly Counter<long> _submitted;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _reportsDeadLettered;
    private readonly Counter<long> _failedAttempts;
    private readonly Counter<long> _reconciled;
    private readonly Counter<long> _canceled;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _endToEnd;

    public JobMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _submitted = meter.CreateCounter<long>(
            "videoconversion.jobs.submitted", "{job}", "Jobs accepted for conversion (uploaded and submitted).");
        _completed = meter.CreateCounter<long>(
            "videoconversion.jobs.completed", "{job}", "Jobs that reached an outcome, by outcome (done or failed).");
        _retried = meter.CreateCounter<long>(
            "videoconversion.jobs.retried", "{attempt}", "Attempts begun again after an earlier attempt of the same job ended without an outcome.");
        _deadLettered = meter.CreateCounter<long>(
            "videoconversion.jobs.dead_lettered", "{job}", "Jobs the broker set aside after every delivery ended without an outcome.");
        _reportsDeadLettered = meter.CreateCounter<long>(
            "videoconversion.job_reports.dead_lettered", "{report}", "Worker reports the API could not apply, kept in video_job_reports.dead, by reason.");
        _failedAttempts = meter.CreateCounter<long>(
            "videoconversion.attempts.failed", "{attempt}",
            "Failed attempts as the workers reported them, by cause and by the retry policy's decision (retry, fail, set_aside).");
        _reconciled = meter.CreateCounter<long>(
            "videoconversion.jobs.reconciled", "{job}", "Jobs the reconciler closed or queued again after their worker fell silent, by action.");
        _canceled = meter.CreateCounter<long>(
            "videoconversion.jobs.canceled", "{job}", "Jobs their owners canceled (or deleted) before they were done, by the state they were in.");
        _queueWait = meter.CreateHistogram(
            "videoconversion.job.queue_wait.duration", "s", "From submission until a worker first took the job up.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.JobSeconds });
        _endToEnd = meter.CreateHistogram(
            "videoconversion.job.duration", "s", "End to end: from submission until the job's outcome, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets.JobSeconds });

        // Counters exist from the start at zero: a dashboard shows "0 failures", not "no data",
        // and rate() sees the first increment.
        _submitted.Add(0);
        _retried.Add(0);
        _completed.Add(0, Outcome("done"));
        _completed.Add(0, Outcome("failed"));
        _deadLettered.Add(0, new KeyValuePair<string, object?>(TelemetryNames.DeadLetterReason, "delivery_limit"));
        _reportsDeadLettered.Add(0, new KeyValuePair<string, object?>(TelemetryNames.DeadLetterReason, "unreadable"));
        _reconciled.Add(0, new KeyValuePair<string, object?>(TelemetryNames.ReconcileAction, "requeued"));
        _canceled.Add(0, new KeyValuePair<string, object?>(TelemetryNames.JobStatus, "PROCESSING"));
    }

    /// <param name="status">The state it was canceled in: AWAITING_UPLOAD, PENDING or PROCESSING.</param>
    public void Canceled(string status) => _canceled.Add(1, new KeyValuePair<string, object?>(TelemetryNames.JobStatus, status));

    private static KeyValuePair<string, object?> Outcome(string outcome) => new(TelemetryNames.JobOutcome, outcome);

    public void Submitted() => _submitted.Add(1);

    public void ReportDeadLettered(string reason) =>
        _reportsDeadLettered.Add(1, new KeyValuePair<string, object?>(TelemetryNames.DeadLetterReason, reason));

    public void Reconciled(string action) =>
        _reconciled.Add(1, new KeyValuePair<string, object?>(TelemetryNames.ReconcileAction, action));

    public void DeadLettered(string reason) =>
        _deadLettered.Add(1, new KeyValuePair<string, object?>(TelemetryNames.DeadLetterReason, reason));

    /// <summary>
    /// Records what an applied report changed: the first start ends the queue wait, a higher
    /// attempt number is a retry (counted here, where it survives any worker's restart), an
    /// outcome ends the job.
    /// </summary>
    public void ReportApplied(Job job, JobReport report, bool wasStarted, int previousAttempts)
    {
        // An attempt killed before its first report is still seen: attempt 3 after 1 is two retries.
        var retries = job.Attempts - Math.Max(previousAttempts, 1);
        if (retries > 0)
        {
            _retried.Add(retries);
        }

        // Only a start report ends the wait: DONE without one (the start report was lost) would
        // stretch the wait over the whole conversion.
        if (!wasStarted && report.Kind == JobReportKind.Processing && job.StartedAt is { } started && job.SubmittedAt is { } submittedAt)
        {
            _queueWait.Record(Seconds(started - submittedAt));
        }

        if (report.Cause is { } cause && report.Kind is JobReportKind.Retrying or JobReportKind.Failed)
        {
            var decision = report.Kind == JobReportKind.Retrying ? "retry" : report.SetAside ? "set_aside" : "fail";
            _failedAttempts.Add(1,
                new KeyValuePair<string, object?>(TelemetryNames.FailureCause, cause.ToString()),
                new KeyValuePair<string, object?>(TelemetryNames.RetryDecision, decision));
        }

        if (report.SetAside && job.Status == JobStatus.Failed)
        {
            // A worker's attempt count set the job aside; the dead-letter queue's are counted by DeadLetterConsumer.
            DeadLettered("delivery_limit");
        }

        if (job.IsFinished)
        {
            var outcome = Outcome(job.Status == JobStatus.Done ? "done" : "failed");
            _completed.Add(1, outcome);
            if (job.SubmittedAt is { } submitted && job.FinishedAt is { } finished)
            {
                _endToEnd.Record(Seconds(finished - submitted), outcome);
            }
        }
    }

    // Clocks of different machines may disagree a little; a negative wait is a zero wait.
    private static double Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);
}
