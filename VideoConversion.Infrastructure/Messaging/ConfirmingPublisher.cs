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
/// and confirms them together (a quorum queue syncs its log once for them, not once each). An error that closes the
/// channel (an exchange refused) fails every publish then in flight on it, each caller's own to retry.
/// </remarks>
public sealed class ConfirmingPublisher(IConnection connection) : IAsyncDisposable
{
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Held while the channel is made again: a publish never waits behind another's confirm.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IChannel? _channel;

    /// <summary>Closed channels that publishes may still be on, disposed once those have ended (<see cref="RetireAsync"/>).</summary>
    private readonly HashSet<IChannel> _retired = [];
    private readonly Lock _retiredLock = new();
    private readonly CancellationTokenSource _disposed = new();

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

            if (_channel is { } closed)
            {
                _ = RetireAsync(closed);
            }

            return _channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A closed channel disposed once no publish can still be on it (each ends within its confirm timeout). Disposing it at
    /// once would dispose the client's lock under a publish that holds it, and could leave that publish's confirm unfailed
    /// until its timeout.
    /// </summary>
    private async Task RetireAsync(IChannel closed)
    {
        lock (_retiredLock)
        {
            _retired.Add(closed);
        }

        try
        {
            await Task.Delay(ConfirmTimeout, _disposed.Token);
        }
        catch (OperationCanceledException)
        {
            return; // DisposeAsync disposes it
        }

        bool retired;
        lock (_retiredLock)
        {
            retired = _retired.Remove(closed);
        }

        if (retired)
        {
            await closed.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        List<IChannel> retired;
        lock (_retiredLock)
        {
            retired = [.. _retired];
            _retired.Clear();
        }

        foreach (var closed in retired)
        {
            await closed.DisposeAsync();
        }

        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        _gate.Dispose();
        _disposed.Dispose();
    }
}
