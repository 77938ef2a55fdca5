using System.Text;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.Worker.Messaging;

/// <summary>
/// Runs the worker's consumers of video_jobs, one per <see cref="ConversionSlots">slot</see>, and stops them together:
/// none takes a job once the stop begins, a job waiting for its turn goes back to the queue, and the jobs started drain
/// side by side within one drain period.
/// </summary>
public sealed partial class VideoJobConsumers(IServiceProvider services, ConversionSlots slots, ILogger<VideoJobConsumers> logger)
    : IHostedService, IDisposable
{
    /// <summary>The first RabbitMQ that does not count a delivery handed back unstarted (basic.nack, a closed channel) towards its delivery limit.</summary>
    public static readonly Version BrokerNotCountingReturns = new(4, 3);

    private readonly List<VideoJobConsumer> _consumers = [];

    /// <summary>Two slots when the worker prefetches its next job (by its setting, else by the broker's version), else one.</summary>
    public static ConversionSlots CreateSlots(IServiceProvider services)
    {
        var setting = services.GetRequiredService<IOptions<ConversionOptions>>().Value.PrefetchNextJob;
        var prefetch = setting ?? BrokerVersion(services.GetRequiredService<IConnection>()) >= BrokerNotCountingReturns;
        return new ConversionSlots(prefetch ? 2 : 1, services.GetRequiredService<IdleMemory>());
    }

    /// <summary>The version the broker announces when the connection opens; null when it names none that reads as one.</summary>
    public static Version? BrokerVersion(IConnection connection) =>
        connection.ServerProperties?.TryGetValue("version", out var value) == true &&
        value is byte[] bytes && Version.TryParse(Encoding.UTF8.GetString(bytes).Split('-', '+')[0], out var version)
            ? version
            : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var slot = 0; slot < slots.Count; slot++)
        {
            _consumers.Add(ActivatorUtilities.CreateInstance<VideoJobConsumer>(services, slot));
        }

        LogSlots(logger, slots.Count);
        foreach (var consumer in _consumers)
        {
            await consumer.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        slots.BeginStopping();
        await Task.WhenAll(_consumers.Select(consumer => consumer.StopTakingDeliveriesAsync(cancellationToken)));
        await slots.HandBackWaitingAsync();
        await Task.WhenAll(_consumers.Select(consumer => consumer.StopAsync(cancellationToken)));
    }

    public void Dispose()
    {
        foreach (var consumer in _consumers)
        {
            consumer.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Taking jobs through {Slots} slot(s): 2 when the next job is prefetched while one converts")]
    private static partial void LogSlots(ILogger logger, int slots);
}
