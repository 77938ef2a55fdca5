using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Api.Telemetry;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// Closes the jobs RabbitMQ set aside in <see cref="QueueNames.VideoJobsDead"/>: a job whose
/// deliveries all ended without an outcome (a worker crashed or was killed each time) becomes
/// FAILED with the reason, instead of staying PROCESSING for ever. The message stays in the
/// dead-letter queue's history only until this consumer has recorded it.
/// </summary>
public sealed partial class DeadLetterConsumer(
    IConnection connection, JobReportWriter writer, JobMetrics metrics, TimeProvider time, ILogger<DeadLetterConsumer> logger)
    : QueueConsumer(connection, logger)
{
    protected override string QueueName => QueueNames.VideoJobsDead;

    protected override ushort PrefetchCount => 10;

    protected override async Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var job = MessageSerializer.TryDeserialize<VideoJobMessage>(delivery.Body);
        if (job is null || string.IsNullOrEmpty(job.JobId))
        {
            LogUnreadable(logger, delivery.DeliveryTag);
            return DeliveryOutcome.Ack; // nothing to record it against; the broker's log keeps the trace
        }

        var reason = DeathReason(delivery);
        // Past the delivery limit, every attempt ended without a word: its worker died each time.
        var decision = reason == "delivery_limit"
            ? RetryPolicy.Decide(FailureCause.WorkerStopped, RetryPolicy.MaxAttempts)
            : new RetryDecision(RetryAction.SetAside, FailureCause.Unexpected, reason,
                $"The job could not be processed and was set aside ({reason}).");
        var report = new JobReport(job.JobId, JobReportKind.Failed, 0, time.GetUtcNow(), Error: decision.Message,
            Attempt: reason == "delivery_limit" ? RetryPolicy.MaxAttempts : 1, Cause: decision.Cause, Run: job.Run);

        using var jobContext = JobContext.Enter(logger, job.JobId, report.Attempt);
        var (result, _) = await writer.ApplyAsync(report, cancellationToken);
        if (result == ReportResult.Applied)
        {
            // Once per job: a redelivered dead letter, or a job the worker had already set aside, is not counted again.
            metrics.DeadLettered(reason);
        }

        LogDeadLettered(logger, job.JobId, reason, result);
        return DeliveryOutcome.Ack;
    }

    /// <summary>Why RabbitMQ dead-lettered the message: "delivery_limit", "rejected", "expired"…</summary>
    private static string DeathReason(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers is { } headers &&
        headers.TryGetValue("x-first-death-reason", out var value) && value is byte[] bytes
            ? System.Text.Encoding.UTF8.GetString(bytes)
            : "unknown";

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropping an unreadable dead-lettered job message (delivery {DeliveryTag})")]
    private static partial void LogUnreadable(ILogger logger, ulong deliveryTag);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was dead-lettered ({Reason}); recorded as failed: {Result}")]
    private static partial void LogDeadLettered(ILogger logger, string jobId, string reason, ReportResult result);
}
