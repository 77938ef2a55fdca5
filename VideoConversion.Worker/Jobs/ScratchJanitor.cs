using Microsoft.Extensions.Options;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Worker.Jobs;

/// <summary>At start-up, removes scratch directories that a killed worker could not clean up.</summary>
internal sealed partial class ScratchJanitor(IOptions<ConversionOptions> options, TimeProvider time, ILogger<ScratchJanitor> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var root = options.Value.ScratchDirectory;
        // Older than any conversion may run: no live worker can still be using it.
        var purged = ScratchDirectory.PurgeStale(root, options.Value.MaxConversionTime + options.Value.TransferTimeout * 2, time.GetUtcNow());
        if (purged > 0)
        {
            LogPurged(logger, purged, root);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} stale scratch directories under {Root}")]
    private static partial void LogPurged(ILogger logger, int count, string root);
}
