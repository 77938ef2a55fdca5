using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;

namespace VideoConversion.Infrastructure.Messaging;

/// <summary>
/// Declares the queues and exchanges. The API owns the topology and declares it at start-up
/// (declarations are idempotent, so the broker needs no manual set-up); workers hold no configure
/// permission and only use what the API declared.
/// </summary>
public static class MessagingTopology
{
    /// <summary>
    /// Redeliveries allowed after the first delivery: a job gets at most the retry policy's
    /// attempts before it is dead-lettered (RabbitMQ dead-letters once deliveries exceed the limit).
    /// </summary>
    public const int JobDeliveryLimit = Jobs.RetryPolicy.MaxAttempts - 1;

    public static async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(
            QueueNames.VideoJobsDeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
        await DeclareQuorumQueueAsync(channel, QueueNames.VideoJobsDead, new Dictionary<string, object?>(), cancellationToken);
        await channel.QueueBindAsync(
            QueueNames.VideoJobsDead, QueueNames.VideoJobsDeadLetterExchange, routingKey: "", cancellationToken: cancellationToken);

        await DeclareQuorumQueueAsync(channel, QueueNames.VideoJobs, new Dictionary<string, object?>
        {
            ["x-delivery-limit"] = JobDeliveryLimit,
            ["x-dead-letter-exchange"] = QueueNames.VideoJobsDeadLetterExchange,
            // At-least-once dead-lettering: a dead job is never dropped on the way to the dead queue.
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        }, cancellationToken);

        await DeclareQuorumQueueAsync(channel, QueueNames.JobReports, new Dictionary<string, object?>(), cancellationToken);
        // Filled by the API itself, not by broker dead-lettering: the API sets a report aside with the
        // reason it could not apply it (unreadable, unknown job, not applicable), which the broker cannot know.
        await DeclareQuorumQueueAsync(channel, QueueNames.JobReportsDead, new Dictionary<string, object?>(), cancellationToken);

        await DeclareQuorumQueueAsync(channel, QueueNames.UploadEvents, new Dictionary<string, object?>(), cancellationToken);

        foreach (var queue in QueueNames.Published)
        {
            await DeclareEntranceAsync(channel, queue, cancellationToken);
        }

        // Cancellations go to every worker at once: a fanout, to which each worker binds a private queue.
        await channel.ExchangeDeclareAsync(
            QueueNames.ExchangeFor(QueueNames.JobCancellations), ExchangeType.Fanout, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The queue's own direct exchange, bound to it: publishers write to that exchange, never to the
    /// default one. Write permission on the default exchange would open every queue, so this is what
    /// lets a worker's user publish reports and nothing else.
    /// </summary>
    private static async Task DeclareEntranceAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        var exchange = QueueNames.ExchangeFor(queue);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Direct, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, exchange, routingKey: queue, cancellationToken: cancellationToken);
    }

    private static Task<QueueDeclareOk> DeclareQuorumQueueAsync(
        IChannel channel, string name, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        // Quorum queues are replicated and durable by design: the queue type for data that must not be lost.
        arguments["x-queue-type"] = "quorum";
        return channel.QueueDeclareAsync(
            name, durable: true, exclusive: false, autoDelete: false, arguments: arguments,
            cancellationToken: cancellationToken);
    }
}
