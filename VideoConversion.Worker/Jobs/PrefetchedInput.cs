using System.Runtime.ExceptionServices;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Telemetry;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// A job's input, downloaded into the job's scratch directory ahead of its attempt: while the job waits for the
/// conversion turn, or, when the turn is free, while the attempt is counted and reported (a head start). Nothing is
/// counted in the ledger and nothing is reported while it runs. A waiting job's download that fails is forgotten, and
/// the attempt downloads again, where a failure counts; a head start's failure is the attempt's own, as if the attempt
/// had downloaded. Disposing stops it and removes the directory; the attempt disposes it as soon as it is done with its
/// files, and its owner again (a second time does nothing) when the job ends without an attempt.
/// </summary>
public sealed partial class PrefetchedInput : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly bool _failsTheAttempt;
    private readonly string _jobId;
    private readonly Task<bool> _download;
    private ExceptionDispatchInfo? _failure;
    private int _disposed;

    private PrefetchedInput(
        string jobId, ScratchDirectory scratch, string file, CancellationTokenSource stop, bool failsTheAttempt,
        Func<CancellationToken, Task> download, ConversionMetrics metrics, ILogger logger)
    {
        _jobId = jobId;
        Scratch = scratch;
        File = file;
        _stop = stop;
        _failsTheAttempt = failsTheAttempt;
        _download = RunAsync(download, metrics, logger);
    }

    public ScratchDirectory Scratch { get; }

    /// <summary>Where the input is once <see cref="ReadyAsync"/> says so.</summary>
    public string File { get; }

    /// <summary>
    /// Starts downloading an uploaded job's input, if the scratch disk has room for the whole job besides the room the
    /// jobs in hand count on; null when it is not worth it (a job from a URL fetches in its attempt, with that fetch's own limits).
    /// </summary>
    /// <param name="inputBytesHeld">The inputs of the jobs this worker holds: their conversions need their room too.</param>
    /// <param name="headStart">The job has its turn: this download is its attempt's, and fails it.</param>
    public static PrefetchedInput? Start(
        VideoJobMessage job, string scratchRoot, long inputBytesHeld, TimeSpan transferTimeout, bool headStart, InputDownloader downloader,
        ConversionMetrics metrics, ILogger logger)
    {
        if (job.InputUrl is not null || job.InputBytes is not { } inputBytes)
        {
            return null;
        }

        var (bucket, key) = StorageNames.SplitPath(job.InputPath);
        var scratch = ScratchDirectory.Create(scratchRoot, job.JobId);
        try
        {
            // The room the attempt will ask for (its outputs' included), so that a short disk is found before the download fills it.
            var roomNeeded = ScratchDirectory.RoomNeeded(inputBytes, OutputKinds.Work(job.Outputs ?? OutputKinds.Default));
            if (scratch.FreeBytes() < roomNeeded + ScratchDirectory.RoomNeeded(inputBytesHeld))
            {
                scratch.Dispose();
                return null; // the attempt checks again, when the job before may have made room
            }
        }
        catch
        {
            scratch.Dispose();
            throw;
        }

        var file = scratch.File(ScratchDirectory.InputName(key));
        var stop = new CancellationTokenSource(transferTimeout);
        return new PrefetchedInput(job.JobId, scratch, file, stop, headStart,
            token => downloader.DownloadAsync(bucket, key, job.InputETag, job.InputBytes, file, token), metrics, logger);
    }

    /// <summary>Waits for the download to end: true when the input is there whole, false when the attempt must download it.</summary>
    /// <exception cref="Exception">A head start's failure, as the download threw it (a time limit as <see cref="OperationCanceledException"/>).</exception>
    public async Task<bool> ReadyAsync(CancellationToken cancellationToken)
    {
        if (await _download.WaitAsync(cancellationToken))
        {
            return true;
        }

        if (_failsTheAttempt)
        {
            _failure?.Throw();
        }

        return false;
    }

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
        catch (Exception) when (Volatile.Read(ref _disposed) == 1)
        {
            return false; // stopped by its owner (the request cancelled, or its connection torn down): the job ended without needing it
        }
        catch (Exception exception)
        {
            activity.Failed(exception);
            _failure = ExceptionDispatchInfo.Capture(exception);
            if (!_failsTheAttempt)
            {
                LogPrefetchFailed(logger, exception, _jobId);
            }

            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await _download;
        _stop.Dispose();
        Scratch.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: downloading its input while it waits for its turn failed; its attempt downloads it again")]
    private static partial void LogPrefetchFailed(ILogger logger, Exception exception, string jobId);
}
