using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Infrastructure.Messaging;

/// <summary>
/// Publishes persistent messages and returns only once the broker has confirmed them, so a
/// message counts as sent only when RabbitMQ has taken responsibility for it.
/// </summary>
/// <remarks>
/// Publishes from several callers share the channel (safe in RabbitMQ.Client 7, rabbitmq-dotnet-client#1722) and wait
/// for their confirms side by side: the client sends them in the order they are made and matches each confirm to its
/// message. A caller that needs order among its own messages awaits each before the next; one with many to send (the
/// outbox) opens the channel (<see cref="OpenAsync"/>), then starts them all and awaits them together, so the broker writes
/// and confirms them together (a quorum queue syncs its log for the messages that arrive together, not for each). An
/// error that closes the channel (an exchange refused) fails every publish then in flight on it, each caller's own to
/// retry.
/// </remarks>
public sealed class ConfirmingPublisher(IConnection connection) : IAsyncDisposable
{
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Held while the channel is made again: a publish never waits behind another's confirm.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IChannel? _channel;

    /// <summary>Replaced channels being disposed once no publish can still be on them (<see cref="RetireAsync"/>).</summary>
    private readonly List<Task> _retiring = [];
    private readonly Lock _retiringLock = new();
    private readonly CancellationTokenSource _disposing = new();

    /// <summary>
    /// The channel open, before a caller starts publishes that must go out in its order: publishes that find it closed
    /// wait for it to be made again, and resume in no set order.
    /// </summary>
    public Task OpenAsync(CancellationToken cancellationToken) => GetChannelAsync(cancellationToken);

    /// <exception cref="RabbitMQ.Client.Exceptions.PublishException">The broker refused or could not route the message.</exception>
    /// <exception cref="OperationCanceledException">No confirmation arrived in time.</exception>
    /// <param name="recordSpan">False for frequent, informative messages (progress): they carry the trace, marked not to be recorded.</param>
    public Task PublishAsync<T>(string queue, T message, string messageId, CancellationToken cancellationToken, bool recordSpan = true) =>
        PublishSerializedAsync(queue, MessageSerializer.Serialize(message), messageId, cancellationToken, recordSpan: recordSpan);

    /// <inheritdoc cref="PublishAsync{T}"/>
    /// <param name="headers">Extra message headers (a dead letter's reason).</param>
    /// <param name="mandatory">
    /// True: a message that reaches no queue comes back as an error instead of vanishing. False for a
    /// broadcast that may find no listener (a cancellation while no worker runs).
    /// </param>
    public async Task PublishSerializedAsync(
        string queue, ReadOnlyMemory<byte> body, string messageId, CancellationToken cancellationToken, bool recordSpan = true,
        IDictionary<string, object?>? headers = null, bool mandatory = true)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ConfirmTimeout);

        var channel = await GetChannelAsync(timeout.Token);
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            MessageId = messageId,
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Headers = headers is null ? null : new Dictionary<string, object?>(headers),
        };

        using var activity = MessagingActivities.StartSend(queue, messageId, body.Length, properties, recordSpan);
        try
        {
            // Through the queue's own exchange (permissions are per exchange).
            await channel.BasicPublishAsync(
                exchange: QueueNames.ExchangeFor(queue), routingKey: queue, mandatory: mandatory, basicProperties: properties,
                body: body, cancellationToken: timeout.Token);
        }
        catch (Exception exception)
        {
            activity.Failed(exception);
            throw;
        }
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Made again by a caller that held the gate first.
            if (_channel is { IsOpen: true } reopened)
            {
                return reopened;
            }

            // The new one made first: should that fail (the broker away), the closed one stays, and the client reopens it
            // when it reconnects. Each channel is replaced once.
            var created = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            if (_channel is { } replaced)
            {
                lock (_retiringLock)
                {
                    _retiring.RemoveAll(retiring => retiring.IsCompleted);
                    _retiring.Add(RetireAsync(replaced));
                }
            }

            return _channel = created;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A replaced channel disposed once no publish can still be on it (each ends within its confirm timeout), or at once
    /// when the publisher is disposed: publishes that took it before it closed fail with it, or time out, on their own.
    /// </summary>
    private async Task RetireAsync(IChannel replaced)
    {
        try
        {
            await Task.Delay(ConfirmTimeout, _disposing.Token);
        }
        catch (OperationCanceledException)
        {
            // Disposing: now.
        }

        try
        {
            await replaced.DisposeAsync();
        }
        catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.RabbitMQClientException or OperationCanceledException or TimeoutException)
        {
            // It was closed already; disposing it only frees what the client still held.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync();
        Task[] retiring;
        lock (_retiringLock)
        {
            retiring = [.. _retiring];
        }

        await Task.WhenAll(retiring);
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        _gate.Dispose();
        _disposing.Dispose();
    }
}
