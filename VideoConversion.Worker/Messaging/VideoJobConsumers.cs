using Microsoft.Extensions.Options;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.Worker.Messaging;

/// <summary>
/// Runs the worker's consumers of video_jobs, one per <see cref="ConversionSlots">slot</see>, and stops them together:
/// none takes a job once the stop begins, a job waiting for its turn goes back to the queue, and the jobs started drain
/// side by side within one drain period.
/// </summary>
public sealed class VideoJobConsumers(IServiceProvider services, ConversionSlots slots) : IHostedService, IDisposable
{
    private readonly List<VideoJobConsumer> _consumers = [];

    /// <summary>Two slots when the worker prefetches its next job, else one.</summary>
    public static ConversionSlots CreateSlots(IServiceProvider services) =>
        new(services.GetRequiredService<IOptions<ConversionOptions>>().Value.PrefetchNextJob ? 2 : 1);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var slot = 0; slot < slots.Count; slot++)
        {
            _consumers.Add(ActivatorUtilities.CreateInstance<VideoJobConsumer>(services, slot));
        }

        if (_consumers.Count == 2)
        {
            VideoJobConsumer.Pair(_consumers[0], _consumers[1]);
        }

        foreach (var consumer in _consumers)
        {
            await consumer.StartAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
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
}
