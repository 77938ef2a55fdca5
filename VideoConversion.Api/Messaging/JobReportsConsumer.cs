using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// Applies the workers' progress and outcome reports to the job records. The API is the only
/// process that writes the database; workers speak to it through this queue. A report that
/// cannot be applied is never dropped: it goes to <see cref="QueueNames.JobReportsDead"/>, counted,
/// and the job it was about is left to the reconciler.
/// </summary>
public sealed partial class JobReportsConsumer(
    IConnection connection, JobReportWriter writer, ConfirmingPublisher publisher, JobMetrics metrics, ILogger<JobReportsConsumer> logger)
    : QueueConsumer(connection, logger)
{
    /// <summary>A report that fails to apply this many times is not going to: it is set aside.</summary>
    private const int MaxApplyAttempts = 5;

    protected override string QueueName => QueueNames.JobReports;

    // Reports are small and applied one at a time by each API process, in the order they arrive. With several replicas
    // (PostgreSQL) they compete for the queue, so two reports of one job may be applied out of order by two replicas:
    // each is applied under the job's version, and one older than a report already applied of the same attempt is
    // stale (Job.LastReportAt), so a late PROCESSING of an attempt never undoes its RETRYING; a finished job takes no
    // progress at all (the state machine). A few in flight keep the pipe full.
    protected override ushort PrefetchCount => 20;

    protected override async Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var report = MessageSerializer.TryDeserialize<JobReport>(delivery.Body);
        if (report is null || string.IsNullOrEmpty(report.JobId))
        {
            return await DeadLetterAsync(delivery, "unreadable", cancellationToken);
        }

        using var jobContext = JobContext.Enter(logger, report.JobId, report.Attempt);
        Activity.Current?.SetTag(TelemetryNames.JobStatus, report.Kind.ToString().ToUpperInvariant());
        ReportResult result;
        Jobs.Job? job;
        try
        {
            (result, job) = await writer.ApplyAsync(report, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException && AttemptOf(delivery) >= MaxApplyAttempts)
        {
            LogApplyFailed(logger, exception, report.JobId, MaxApplyAttempts);
            return await DeadLetterAsync(delivery, "not_applicable", cancellationToken);
        }

        switch (result)
        {
            case ReportResult.UnknownJob:
                return await DeadLetterAsync(delivery, "unknown_job", cancellationToken);
            case ReportResult.Stale:
                LogStaleReport(logger, report.JobId, report.Kind, job!.Status);
                return DeliveryOutcome.Ack;
            default:
                if (report.Kind == JobReportKind.Processing)
                {
                    LogProgress(logger, report.JobId, job!.Progress);
                }
                else
                {
                    LogOutcome(logger, report.JobId, job!.Status);
                }

                return DeliveryOutcome.Ack;
        }
    }

    /// <summary>Keeps the report, as it came, with the reason; acknowledged only once the broker holds the copy.</summary>
    private async Task<DeliveryOutcome> DeadLetterAsync(BasicDeliverEventArgs delivery, string reason, CancellationToken cancellationToken)
    {
        await publisher.PublishSerializedAsync(
            QueueNames.JobReportsDead, delivery.Body, delivery.BasicProperties.MessageId ?? Guid.NewGuid().ToString("N"), cancellationToken,
            headers: new Dictionary<string, object?> { [DeadLetterReasonHeader] = reason });
        metrics.ReportDeadLettered(reason);
        LogDeadLettered(logger, delivery.DeliveryTag, reason);
        return DeliveryOutcome.Ack;
    }

    public const string DeadLetterReasonHeader = "x-videoconversion-dead-letter-reason";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Report (delivery {DeliveryTag}) could not be applied ({Reason}); kept in video_job_reports.dead")]
    private static partial void LogDeadLettered(ILogger logger, ulong deliveryTag, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A report for job {JobId} failed to apply {Attempts} times")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception, string jobId, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignoring stale {Kind} report for job {JobId} in status {Status}")]
    private static partial void LogStaleReport(ILogger logger, string jobId, JobReportKind kind, VideoConversion.Api.Jobs.JobStatus status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: progress {Progress}%")]
    private static partial void LogProgress(ILogger logger, string jobId, int progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} is {Status}")]
    private static partial void LogOutcome(ILogger logger, string jobId, VideoConversion.Api.Jobs.JobStatus status);
}
