using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.Worker.Messaging;

/// <summary>
/// Hears the jobs their owners canceled, on a private queue bound to <see cref="QueueNames.JobCancellations"/>:
/// exclusive and server-named, so it lives exactly as long as this worker's connection and every worker hears every cancellation.
/// </summary>
public sealed partial class JobCancellationListener(IConnection connection, CanceledJobs canceled, ILogger<JobCancellationListener> logger)
    : QueueConsumer(connection, logger)
{
    protected override string QueueName => QueueNames.JobCancellations;

    protected override ushort PrefetchCount => 100;

    protected override bool DeclaresTopology => false;

    protected override async Task<string> PrepareQueueAsync(IChannel channel, CancellationToken cancellationToken)
    {
        var queue = await channel.QueueDeclareAsync(
            queue: "", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue.QueueName, QueueNames.ExchangeFor(QueueNames.JobCancellations), routingKey: "",
            cancellationToken: cancellationToken);
        return queue.QueueName;
    }

    protected override Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        if (MessageSerializer.TryDeserialize<JobCancellation>(delivery.Body) is { } cancellation && JobId.IsWellFormed(cancellation.JobId))
        {
            LogCanceled(logger, cancellation.JobId, cancellation.Run);
            canceled.Cancel(cancellation.JobId, cancellation.Run);
        }

        // A cancellation matters only now: nothing is kept, whatever it said.
        return Task.FromResult(DeliveryOutcome.Ack);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} (run {Run}) was canceled by its owner")]
    private static partial void LogCanceled(ILogger logger, string jobId, int run);
}
