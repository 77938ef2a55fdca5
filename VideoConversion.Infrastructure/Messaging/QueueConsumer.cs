using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Infrastructure.Messaging;

/// <summary>
/// A manual-acknowledgement consumer of one queue. The topology's owner declares it first; it limits unacknowledged
/// deliveries to <see cref="PrefetchCount"/>, acknowledges only what its handler finished, and
/// keeps consuming across broker restarts. On shutdown it drains: it stops taking deliveries,
/// lets the ones in hand finish within <see cref="DrainTimeout"/>, then hands back the rest.
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

    /// <summary>
    /// Deliveries handled at once (up to <see cref="PrefetchCount"/>). Above 1 their order is not kept: a consumer whose
    /// handler tolerates that (each change re-decided against the record) lets its writes share commits.
    /// </summary>
    protected virtual ushort ConsumerDispatchConcurrency => 1;

    /// <summary>
    /// Whether this service declares the topology before consuming (the API). A worker's broker user
    /// has no configure permission: until the API has declared the queue, consuming fails and is retried.
    /// </summary>
    protected virtual bool DeclaresTopology => true;

    protected abstract Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken);

    /// <summary>
    /// Makes ready the queue to consume on a new channel and names it: by default the topology's owner
    /// declares the topology, and the queue is <see cref="QueueName"/>. A consumer of a private queue declares its own here.
    /// </summary>
    protected virtual async Task<string> PrepareQueueAsync(IChannel channel, CancellationToken cancellationToken)
    {
        if (DeclaresTopology)
        {
            await MessagingTopology.DeclareAsync(channel, cancellationToken);
        }

        return QueueName;
    }

    /// <summary>How long deliveries in hand may take to finish once the service is asked to stop.</summary>
    protected virtual TimeSpan DrainTimeout => TimeSpan.FromSeconds(10);

    /// <summary>
    /// The consumer's priority (the x-priority argument), read each time it registers: the broker hands a delivery to the
    /// consumers of the highest priority that have room for it, and to lower ones only when all those are full.
    /// </summary>
    protected virtual int? ConsumerPriority => null;

    /// <summary>
    /// Whether the consumer stops taking deliveries before each settle and registers again after it, at
    /// <see cref="ConsumerPriority"/> as it is then. For a consumer whose priority changes with what it holds: it is never
    /// registered anew while holding a delivery (a new consumer gets credit of its own), and no delivery reaches it at
    /// its old priority between the acknowledgement and the new registration.
    /// </summary>
    protected virtual bool RegistersAfterEachSettle => false;

    /// <summary>Called after each delivery is settled (the acknowledgement sent, or failed), before registering again.</summary>
    protected virtual Task OnSettledAsync() => Task.CompletedTask;

    /// <summary>Cancelled only when a drain runs out of time: handlers are not interrupted by the stop itself.</summary>
    private readonly CancellationTokenSource _abandon = new();
    private int _inFlight;
    private volatile bool _draining;
    private IChannel? _channel;
    private string? _queue;
    private string? _consumerTag;

    /// <summary>Paused between a delivery's handling and its settle: the check loop leaves a paused consumer unregistered.</summary>
    private volatile bool _paused;

    /// <summary>A registration asked for while the channel was closed: the one the client's recovery restores may be out of date.</summary>
    private volatile bool _stale;

    /// <summary>Serialises registering and cancelling the consumer, so the tag in hand is always the live one.</summary>
    private readonly SemaphoreSlim _registration = new(1, 1);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopTakingDeliveriesAsync(cancellationToken);

        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            deadline.CancelAfter(DrainTimeout);
            await WaitForInFlightAsync(deadline.Token);
        }

        if (Volatile.Read(ref _inFlight) > 0)
        {
            LogDrainTimedOut(logger, QueueName, DrainTimeout.TotalSeconds);
            await _abandon.CancelAsync();
            using var settle = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await WaitForInFlightAsync(settle.Token);
        }

        await base.StopAsync(cancellationToken);
    }

    /// <summary>
    /// The first step of a stop, which a service may take early: no more deliveries are taken, and those in hand go on.
    /// </summary>
    public async Task StopTakingDeliveriesAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (await CancelConsumerAsync(cancellationToken))
        {
            var inFlight = Volatile.Read(ref _inFlight);
            LogDraining(logger, QueueName, inFlight);
        }
    }

    /// <summary>
    /// Takes no more deliveries for now. Those in hand stay, and are settled as usual (the broker keeps them for this
    /// channel); <see cref="ResumeAsync"/> takes deliveries again.
    /// </summary>
    private async Task PauseAsync()
    {
        _paused = true;
        try
        {
            await CancelConsumerAsync(CancellationToken.None);
        }
        catch (Exception exception)
        {
            // Best effort: the delivery's outcome stands whatever happens to the registration.
            LogCancelFailed(logger, exception, QueueName);
        }
    }

    /// <summary>Registers the consumer again, at <see cref="ConsumerPriority"/> as it is now, unless the service is stopping.</summary>
    private async Task ResumeAsync()
    {
        await _registration.WaitAsync(CancellationToken.None);
        try
        {
            _paused = false;
            await RegisterLockedAsync();
        }
        catch (Exception exception)
        {
            // A channel closing under us: the check loop registers the consumer once one is open again.
            LogRegistrationFailed(logger, exception, QueueName);
        }
        finally
        {
            _registration.Release();
        }
    }

    public override void Dispose()
    {
        _abandon.Dispose();
        _registration.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels the consumer, if one is registered; whether one was.</summary>
    private async Task<bool> CancelConsumerAsync(CancellationToken cancellationToken)
    {
        await _registration.WaitAsync(cancellationToken);
        try
        {
            if (_channel is not { IsOpen: true } channel || _consumerTag is not { } tag)
            {
                return false;
            }

            await channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
            _consumerTag = null;
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The channel is going away anyway; deliveries in hand are handed back when it closes.
            LogCancelFailed(logger, exception, QueueName);
            return false;
        }
        finally
        {
            _registration.Release();
        }
    }

    /// <summary>
    /// Under <see cref="_registration"/>: the consumer registered anew at its priority as it is now, unless stopping, or a
    /// delivery is still in hand (a new consumer would get credit of its own; that delivery's settle registers it).
    /// </summary>
    private async Task RegisterLockedAsync()
    {
        if (_draining || Volatile.Read(ref _inFlight) > 0)
        {
            return;
        }

        if (_channel is not { IsOpen: true } channel || _queue is not { } queue)
        {
            _stale = true; // the check loop registers the consumer once the channel is open again
            return;
        }

        if (_consumerTag is { } tag)
        {
            await channel.BasicCancelAsync(tag, noWait: false, CancellationToken.None);
            _consumerTag = null;
        }

        _consumerTag = await ConsumeAsync(channel, queue, CancellationToken.None);
        _stale = false;
    }

    /// <summary>From the check loop: a consumer that lost its registration (or holds an out-of-date one) across a connection drop registers again.</summary>
    private async Task RegisterIfLostAsync()
    {
        await _registration.WaitAsync(CancellationToken.None);
        try
        {
            if ((_consumerTag is null || _stale) && !_paused)
            {
                await RegisterLockedAsync();
            }
        }
        catch (Exception exception)
        {
            LogRegistrationFailed(logger, exception, QueueName);
        }
        finally
        {
            _registration.Release();
        }
    }

    private async Task<string> ConsumeAsync(IChannel channel, string queue, CancellationToken cancellationToken)
    {
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => SettleAsync(channel, delivery);
        var arguments = ConsumerPriority is { } priority ? new Dictionary<string, object?> { ["x-priority"] = priority } : null;
        return await channel.BasicConsumeAsync(queue, autoAck: false, consumerTag: "", noLocal: false, exclusive: false, arguments, consumer, cancellationToken);
    }

    private async Task WaitForInFlightAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _inFlight) > 0 && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
        }
    }

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
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false,
                consumerDispatchConcurrency: ConsumerDispatchConcurrency),
            stoppingToken);
        var queue = await PrepareQueueAsync(channel, stoppingToken);

        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: PrefetchCount, global: false, stoppingToken);

        await _registration.WaitAsync(stoppingToken);
        try
        {
            if (_draining)
            {
                return; // the stop came while this channel opened
            }

            _consumerTag = await ConsumeAsync(channel, queue, stoppingToken);
            _channel = channel;
            _queue = queue;
        }
        finally
        {
            _registration.Release();
        }

        LogConsuming(logger, QueueName, PrefetchCount);

        // The client recovers connections (and their channels) by itself; a channel that stays
        // closed while the connection is open was closed by the broker and must be replaced.
        DateTimeOffset? closedSince = null;
        while (true)
        {
            await Task.Delay(ChannelCheckInterval, stoppingToken);
            if (channel.IsOpen && (_consumerTag is null || _stale) && !_paused && !_draining)
            {
                // Cancelled for a new registration when the connection dropped (the client's recovery does not know it), or
                // restored by the recovery at the priority it had then.
                await RegisterIfLostAsync();
            }

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

    private async Task SettleAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            // The handler works inside this span, in the trace of whoever sent the message.
            using var activity = MessagingActivities.StartProcess(QueueName, delivery);
            // Arrived while draining (before the cancel took effect): not started, so handed back.
            var outcome = _draining ? DeliveryOutcome.Return : await HandleSafelyAsync(delivery);
            activity?.SetTag(TelemetryNames.DeliveryOutcome, outcome.ToString());
            if (outcome is DeliveryOutcome.Requeue or DeliveryOutcome.Reject)
            {
                activity?.SetStatus(ActivityStatusCode.Error, $"The delivery was settled with {outcome}.");
            }

            if (RegistersAfterEachSettle)
            {
                await PauseAsync();
            }

            try
            {
                await SettleAsync(channel, delivery.DeliveryTag, outcome);
            }
            catch (Exception exception)
            {
                // The channel closed under us: the broker hands the delivery out again (the client's recovery, or a new channel).
                LogSettleFailed(logger, exception, QueueName, delivery.DeliveryTag, outcome);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        try
        {
            await OnSettledAsync();
        }
        finally
        {
            if (RegistersAfterEachSettle)
            {
                await ResumeAsync();
            }
        }
    }

    private async Task<DeliveryOutcome> HandleSafelyAsync(BasicDeliverEventArgs delivery)
    {
        DeliveryOutcome outcome;
        try
        {
            outcome = await HandleAsync(delivery, _abandon.Token);
        }
        catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
        {
            outcome = DeliveryOutcome.Return; // the drain ran out of time: another consumer takes it
        }
        catch (Exception exception)
        {
            LogHandlerFailed(logger, exception, QueueName, delivery.DeliveryTag);
            outcome = DeliveryOutcome.Requeue;
            // A pause, so a failure that persists (say, a dependency down) does not spin on redeliveries.
            await Task.Delay(RequeueDelay, CancellationToken.None);
        }

        return outcome;
    }

    /// <summary>Settles even while stopping: the work is finished or abandoned either way.</summary>
    private static async Task SettleAsync(IChannel channel, ulong deliveryTag, DeliveryOutcome outcome)
    {
        switch (outcome)
        {
            case DeliveryOutcome.Ack:
                await channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None);
                break;
            case DeliveryOutcome.Requeue:
                // basic.reject, not basic.nack: RabbitMQ 4.3 counts only rejects towards the delivery limit.
                await channel.BasicRejectAsync(deliveryTag, requeue: true, CancellationToken.None);
                break;
            case DeliveryOutcome.Return:
                // basic.nack: "not processed", which RabbitMQ 4.3 does not count as a failed attempt.
                await channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None);
                break;
            case DeliveryOutcome.Reject:
                await channel.BasicRejectAsync(deliveryTag, requeue: false, CancellationToken.None);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped consuming {Queue}; draining {InFlight} deliveries in hand")]
    private static partial void LogDraining(ILogger logger, string queue, int inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cancelling the consumer of {Queue} failed")]
    private static partial void LogCancelFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Draining {Queue} took longer than {Seconds} s; handing the deliveries in hand back to the queue")]
    private static partial void LogDrainTimedOut(ILogger logger, string queue, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling delivery {DeliveryTag} from {Queue} with {Outcome} failed; the broker hands it out again")]
    private static partial void LogSettleFailed(ILogger logger, Exception exception, string queue, ulong deliveryTag, DeliveryOutcome outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the consumer of {Queue} again failed; the check loop will")]
    private static partial void LogRegistrationFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} with prefetch {Prefetch}")]
    private static partial void LogConsuming(ILogger logger, string queue, ushort prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming {Queue} failed; retrying in {DelaySeconds} s")]
    private static partial void LogConsumeFailed(ILogger logger, Exception exception, string queue, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Channel on {Queue} was closed by the broker ({Reason}); opening a new one")]
    private static partial void LogChannelLost(ILogger logger, string queue, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling delivery {DeliveryTag} from {Queue} failed; it is requeued")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string queue, ulong deliveryTag);
}
