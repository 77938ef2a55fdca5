using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.Worker.Messaging;

/// <summary>Takes conversion jobs from <see cref="QueueNames.VideoJobs"/>, one at a time.</summary>
public sealed partial class VideoJobConsumer(
    IConnection connection, JobProcessor processor, IOptions<ConversionOptions> options, ILogger<VideoJobConsumer> logger)
    : QueueConsumer(connection, logger)
{
    protected override string QueueName => QueueNames.VideoJobs;

    // One job at a time per worker: conversions are CPU-bound, and a prefetched job would wait
    // here while an idle worker elsewhere could take it.
    protected override ushort PrefetchCount => 1;

    // The worker's broker user may read video_jobs and publish reports, nothing more: the API declares.
    protected override bool DeclaresTopology => false;

    // A scale-in or deploy sends SIGTERM: the conversion in hand gets this long to finish.
    protected override TimeSpan DrainTimeout => options.Value.DrainTimeout;

    protected override Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var job = MessageSerializer.TryDeserialize<VideoJobMessage>(delivery.Body);
        if (job is null || !JobId.IsWellFormed(job.JobId) || string.IsNullOrEmpty(job.InputPath))
        {
            LogInvalidMessage(logger, delivery.DeliveryTag);
            return Task.FromResult(DeliveryOutcome.Reject); // to the dead-letter queue, for a person to look at
        }

        return processor.ProcessAsync(job, AttemptOf(delivery), delivery.Redelivered, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettering an unreadable job message (delivery {DeliveryTag})")]
    private static partial void LogInvalidMessage(ILogger logger, ulong deliveryTag);
}
