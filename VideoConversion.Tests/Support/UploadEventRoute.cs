using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;

namespace VideoConversion.Tests.Support;

/// <summary>
/// Cuts the route from storage's upload events to the API (the binding of video_uploads to its exchange), as when storage
/// cannot reach the broker: its events go nowhere until the cut is disposed, which binds the queue again.
/// </summary>
public sealed class UploadEventRoute : IAsyncDisposable
{
    private static readonly string Exchange = QueueNames.ExchangeFor(QueueNames.UploadEvents);

    private readonly IConnection _broker;
    private readonly IChannel _channel;

    private UploadEventRoute(IConnection broker, IChannel channel) => (_broker, _channel) = (broker, channel);

    public static async Task<UploadEventRoute> CutAsync(SystemFixture system)
    {
        var broker = await system.BrokerConnectionAsync();
        var channel = await broker.CreateChannelAsync();
        await channel.QueueUnbindAsync(QueueNames.UploadEvents, Exchange, QueueNames.UploadEvents);
        return new UploadEventRoute(broker, channel);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.QueueBindAsync(QueueNames.UploadEvents, Exchange, QueueNames.UploadEvents);
        await _channel.DisposeAsync();
        await _broker.DisposeAsync();
    }
}
