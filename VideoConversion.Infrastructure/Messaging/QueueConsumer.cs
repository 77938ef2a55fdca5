using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace VideoConversion.Infrastructure.Messaging;

/// <summary>
/// A manual-acknowledgement consumer of one queue. It declares the topology, limits unacknowledged
/// deliveries to <see cref="PrefetchCount"/>, acknowledges only what its handler finished, and
/// keeps consuming across broker restarts.
/// </summary>
public abstract partial class QueueConsumer(IConnection connection, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RequeueDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ChannelCheckInterval = TimeSpan.FromSeconds(2);

    /// <summary>How long a closed channel may wait for the client's connection recovery to reopen it.</summary>
    private static readonly TimeSpan RecoveryGracePeriod = TimeSpan.FromSeconds(15);

    protected abstract string QueueName { get; }

    protected abstract ushort PrefetchCount { get; }

    protected abstract Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConsumeWhileChannelLivesAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogConsumeFailed(logger, exception, QueueName, RetryDelay.TotalSeconds);
            }

            try
            {
                await Task.Delay(RetryDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ConsumeWhileChannelLivesAsync(CancellationToken stoppingToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await MessagingTopology.DeclareAsync(channel, stoppingToken);
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: PrefetchCount, global: false, stoppingToken);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => SettleAsync(channel, delivery, stoppingToken);
        await channel.BasicConsumeAsync(QueueName, autoAck: false, consumer, stoppingToken);
        LogConsuming(logger, QueueName, PrefetchCount);

        // The client recovers connections (and their channels) by itself; a channel that stays
        // closed while the connection is open was closed by the broker and must be replaced.
        DateTimeOffset? closedSince = null;
        while (true)
        {
            await Task.Delay(ChannelCheckInterval, stoppingToken);
            if (channel.IsOpen || !connection.IsOpen)
            {
                closedSince = null;
                continue;
            }

            closedSince ??= DateTimeOffset.UtcNow;
            if (DateTimeOffset.UtcNow - closedSince > RecoveryGracePeriod)
            {
                LogChannelLost(logger, QueueName, channel.CloseReason?.ReplyText);
                return;
            }
        }
    }

    private async Task SettleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        DeliveryOutcome outcome;
        try
        {
            outcome = await HandleAsync(delivery, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            outcome = DeliveryOutcome.Requeue; // shutting down: another consumer takes it
        }
        catch (Exception exception)
        {
            LogHandlerFailed(logger, exception, QueueName, delivery.DeliveryTag);
            outcome = DeliveryOutcome.Requeue;
            // A pause, so a failure that persists (say, a dependency down) does not spin on redeliveries.
            await Task.Delay(RequeueDelay, CancellationToken.None);
        }

        // Settle even while stopping: the work above is finished or abandoned either way.
        switch (outcome)
        {
            case DeliveryOutcome.Ack:
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                break;
            case DeliveryOutcome.Requeue:
                // basic.reject, not basic.nack: RabbitMQ 4.3 counts only rejects towards the delivery limit.
                await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: true, CancellationToken.None);
                break;
            case DeliveryOutcome.Reject:
                await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
                break;
        }
    }

    /// <summary>
    /// Which attempt this delivery is: quorum queues count earlier deliveries in "x-delivery-count".
    /// </summary>
    protected static int AttemptOf(BasicDeliverEventArgs delivery)
    {
        var headers = delivery.BasicProperties.Headers;
        var previous = headers is not null && headers.TryGetValue("x-delivery-count", out var value) && value is not null
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        return previous + 1;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} with prefetch {Prefetch}")]
    private static partial void LogConsuming(ILogger logger, string queue, ushort prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming {Queue} failed; retrying in {DelaySeconds} s")]
    private static partial void LogConsumeFailed(ILogger logger, Exception exception, string queue, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel on {Queue} was closed by the broker ({Reason}); opening a new one")]
    private static partial void LogChannelLost(ILogger logger, string queue, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling delivery {DeliveryTag} from {Queue} failed; it is requeued")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string queue, ulong deliveryTag);
}
