using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// Applies the workers' progress and outcome reports to the job records. The API is the only
/// process that writes the database; workers speak to it through this queue.
/// </summary>
public sealed partial class JobEventsConsumer(IConnection connection, JobReportWriter writer, ILogger<JobEventsConsumer> logger)
    : QueueConsumer(connection, logger)
{
    protected override string QueueName => QueueNames.JobEvents;

    // Reports are small and applied one at a time; a few in flight keep the pipe full.
    protected override ushort PrefetchCount => 20;

    protected override async Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var report = MessageSerializer.TryDeserialize<JobEventMessage>(delivery.Body);
        if (report is null || string.IsNullOrEmpty(report.JobId))
        {
            LogUnreadableReport(logger, delivery.DeliveryTag);
            return DeliveryOutcome.Reject;
        }

        using var jobContext = JobContext.Enter(logger, report.JobId, report.Attempt);
        Activity.Current?.SetTag(TelemetryNames.JobStatus, report.Kind.ToString().ToUpperInvariant());
        var (result, job) = await writer.ApplyAsync(report, cancellationToken);
        switch (result)
        {
            case ReportResult.UnknownJob:
                LogUnknownJob(logger, report.JobId, report.Kind);
                return DeliveryOutcome.Reject;
            case ReportResult.Stale:
                LogStaleReport(logger, report.JobId, report.Kind, job!.Status);
                return DeliveryOutcome.Ack;
            default:
                if (report.Kind == JobEventKind.Processing)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping unreadable job report (delivery {DeliveryTag})")]
    private static partial void LogUnreadableReport(ILogger logger, ulong deliveryTag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping {Kind} report for unknown job {JobId}")]
    private static partial void LogUnknownJob(ILogger logger, string jobId, JobEventKind kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignoring stale {Kind} report for job {JobId} in status {Status}")]
    private static partial void LogStaleReport(ILogger logger, string jobId, JobEventKind kind, VideoConversion.Api.Jobs.JobStatus status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: progress {Progress}%")]
    private static partial void LogProgress(ILogger logger, string jobId, int progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} is {Status}")]
    private static partial void LogOutcome(ILogger logger, string jobId, VideoConversion.Api.Jobs.JobStatus status);
}
