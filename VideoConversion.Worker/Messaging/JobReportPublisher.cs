using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.Worker.Messaging;

/// <summary>Reports job progress and outcomes to the API, through the job reports queue.</summary>
public sealed partial class JobReportPublisher(ConfirmingPublisher publisher, TimeProvider time, ILogger<JobReportPublisher> logger)
{
    /// <summary>Outcome reports must arrive: the caller acknowledges the job only after this returns.</summary>
    /// <param name="outputs">What was made, as measured; null when a redelivery found an MP4 stored without it.</param>
    public Task ReportDoneAsync(
        string jobId, int run, int attempt, long outputBytes, string conversionMethod, double? durationSeconds, JobOutputs? outputs,
        CancellationToken cancellationToken) =>
        PublishAsync(new JobReport(jobId, JobReportKind.Done, 100, time.GetUtcNow(),
            OutputBytes: outputBytes, Attempt: attempt, ConversionMethod: conversionMethod, Run: run, DurationSeconds: durationSeconds,
            Outputs: outputs), cancellationToken);

    /// <param name="decision">The retry policy's final word on the job: its message, its cause, and whether it was set aside.</param>
    public Task ReportFailedAsync(string jobId, int run, int attempt, RetryDecision decision, CancellationToken cancellationToken) =>
        PublishAsync(new JobReport(jobId, JobReportKind.Failed, 0, time.GetUtcNow(), Error: decision.Message, Attempt: attempt,
            SetAside: decision.Action == RetryAction.SetAside, Cause: decision.Cause, Run: run), cancellationToken);

    /// <summary>The attempt failed through a fault of the system and goes back to the queue: the job waits again.</summary>
    public Task ReportRetryingAsync(string jobId, int run, int attempt, RetryDecision decision, CancellationToken cancellationToken) =>
        PublishAsync(new JobReport(jobId, JobReportKind.Retrying, 0, time.GetUtcNow(), Error: decision.Reason, Attempt: attempt,
            Cause: decision.Cause, Run: run), cancellationToken);

    /// <summary>Progress is informative: losing one report must not fail a conversion.</summary>
    public async Task ReportProgressAsync(string jobId, int run, int attempt, int percent, CancellationToken cancellationToken)
    {
        try
        {
            // The start (0%) is a span in the job's trace; the many updates after it are not.
            await PublishAsync(new JobReport(jobId, JobReportKind.Processing, percent, time.GetUtcNow(), Attempt: attempt, Run: run),
                cancellationToken, recordSpan: percent == 0);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogProgressNotReported(logger, exception, jobId, percent);
        }
    }

    private Task PublishAsync(JobReport message, CancellationToken cancellationToken, bool recordSpan = true) =>
        publisher.PublishAsync(
            QueueNames.JobReports, message, $"{message.JobId}:{message.Attempt}:{message.Kind}:{message.Progress}", cancellationToken, recordSpan);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: progress {Percent}% could not be reported")]
    private static partial void LogProgressNotReported(ILogger logger, Exception exception, string jobId, int percent);
}
