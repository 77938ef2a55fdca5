using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Storage;

/// <summary>
/// Creates the input and output buckets when they are missing, retrying until storage answers,
/// so a fresh MinIO needs no manual set-up.
/// </summary>
public sealed partial class StorageBucketsInitializer(VideoStorage storage, ILogger<StorageBucketsInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await storage.EnsureBucketsAsync(stoppingToken);
                LogBucketsReady(logger, StorageNames.InputBucket, StorageNames.OutputBucket);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogBucketsFailed(logger, exception, RetryDelay.TotalSeconds);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage buckets {InputBucket} and {OutputBucket} are ready")]
    private static partial void LogBucketsReady(ILogger logger, string inputBucket, string outputBucket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not prepare storage buckets; retrying in {DelaySeconds} s")]
    private static partial void LogBucketsFailed(ILogger logger, Exception exception, double delaySeconds);
}
