using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Telemetry;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// A job's input, downloaded into the job's scratch directory ahead of its attempt: while the job waits for the
/// conversion turn, or, when the turn is free, while the attempt is counted and reported. Only a head start: a download
/// that fails is forgotten, and the attempt downloads again, where a failure counts. Nothing is counted in the ledger
/// and nothing is reported while it runs. Disposing stops it and removes the directory.
/// </summary>
public sealed partial class PrefetchedInput : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task<bool> _download;

    private PrefetchedInput(
        ScratchDirectory scratch, string file, CancellationTokenSource stop, Func<CancellationToken, Task> download, ConversionMetrics metrics, ILogger logger)
    {
        Scratch = scratch;
        File = file;
        _stop = stop;
        _download = RunAsync(download, metrics, logger);
    }

    public ScratchDirectory Scratch { get; }

    /// <summary>Where the input is once <see cref="CompletedAsync"/> says so.</summary>
    public string File { get; }

    /// <summary>
    /// Starts downloading an uploaded job's input, if the scratch disk has room for the whole job besides the room the
    /// jobs in hand count on; null when it is not worth it (a job from a URL fetches on its turn, with that fetch's own limits).
    /// </summary>
    /// <param name="inputBytesHeld">The inputs of the jobs this worker holds: their conversions need their room too.</param>
    public static PrefetchedInput? Start(
        VideoJobMessage job, string scratchRoot, long inputBytesHeld, TimeSpan transferTimeout, InputDownloader downloader,
        ConversionMetrics metrics, ILogger logger)
    {
        if (job.InputUrl is not null || job.InputBytes is not { } inputBytes)
        {
            return null;
        }

        var scratch = ScratchDirectory.Create(scratchRoot, job.JobId);
        try
        {
            if (scratch.FreeBytes() < ScratchDirectory.RoomNeeded(inputBytes) + ScratchDirectory.RoomNeeded(inputBytesHeld))
            {
                scratch.Dispose();
                return null; // the job checks again on its turn, when the one before has made room
            }
        }
        catch
        {
            scratch.Dispose();
            throw;
        }

        var (bucket, key) = StorageNames.SplitPath(job.InputPath);
        var file = scratch.File(ScratchDirectory.InputName(key));
        var stop = new CancellationTokenSource(transferTimeout);
        return new PrefetchedInput(scratch, file, stop,
            token => downloader.DownloadAsync(bucket, key, job.InputETag, job.InputBytes, file, token), metrics, logger);
    }

    /// <summary>Whether the input is downloaded whole (waits for the download to end).</summary>
    public Task<bool> CompletedAsync() => _download;

    private async Task<bool> RunAsync(Func<CancellationToken, Task> download, ConversionMetrics metrics, ILogger logger)
    {
        // The same stage as a download in the attempt, marked: a trace shows the input arriving ahead of the attempt.
        // Begun before the yield, so that it begins before anything the caller goes on to do (an async method's
        // Activity.Current does not flow back to its caller).
        using var activity = WorkerActivities.Start("download input");
        activity?.SetTag("videoconversion.input.prefetched", true);
        await Task.Yield(); // the caller goes on to wait for its turn, or to begin the attempt
        try
        {
            await download(_stop.Token);
            var bytes = new FileInfo(File).Length;
            activity?.SetTag("videoconversion.input.size", bytes);
            metrics.Downloaded(bytes);
            return true;
        }
        catch (Exception exception)
        {
            activity.Failed(exception);
            LogPrefetchFailed(logger, exception);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _download;
        _stop.Dispose();
        Scratch.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading the next job's input ahead of its turn failed; it downloads again on its turn")]
    private static partial void LogPrefetchFailed(ILogger logger, Exception exception);
}
