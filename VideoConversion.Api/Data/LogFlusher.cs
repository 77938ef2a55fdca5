using System.Diagnostics;
using System.Threading.Channels;

namespace VideoConversion.Api.Data;

/// <summary>
/// The second half of the SQLite writer's group commit. Its connection commits a batch without syncing the log
/// (<see cref="JobDatabase.DeferLogSyncAsync"/>) and hands the batch here; this flushes the log once for every batch
/// handed over while the last flush ran, on a thread of its own, and only then are the batches' writes answered. The
/// writer meanwhile runs its next batch: the disk's flush overlaps the next batch's work instead of following it, and
/// an answer still means the write is on disk (as with <c>synchronous=FULL</c>).
/// </summary>
/// <remarks>
/// Other connections may read a batch before its flush ended. Only a power loss or an OS crash in that moment (not a
/// crash of the API: the log is in the OS's cache) could then undo a write someone read but nobody was answered for.
/// </remarks>
internal sealed partial class LogFlusher
{
    private readonly WriteAheadLog _log;
    private readonly DatabaseMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Channel<Action<Exception?>> _committed = Channel.CreateUnbounded<Action<Exception?>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LogFlusher(WriteAheadLog log, DatabaseMetrics metrics, ILogger logger)
    {
        _log = log;
        _metrics = metrics;
        _logger = logger;
        // A thread, not the pool's: an fsync blocks for milliseconds, and on a small machine a pool thread blocked that
        // long would stall the requests queued behind it.
        new Thread(Run) { IsBackground = true, Name = "Database log flush" }.Start();
    }

    /// <param name="whenFlushed">Called once the log is on disk (null), or with why it could not be flushed.</param>
    public void Enqueue(Action<Exception?> whenFlushed)
    {
        if (!_committed.Writer.TryWrite(whenFlushed))
        {
            throw new InvalidOperationException("The log flusher has stopped; the writer stops before it.");
        }
    }

    /// <summary>Flushes for the batches already handed over, answers them, and stops.</summary>
    public Task StopAsync()
    {
        _committed.Writer.TryComplete();
        return _stopped.Task;
    }

    private void Run()
    {
        List<Action<Exception?>> flushing = [];
        try
        {
            while (_committed.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (_committed.Reader.TryRead(out var batch))
                {
                    flushing.Add(batch);
                }

                var started = Stopwatch.GetTimestamp();
                Exception? failure = null;
                try
                {
                    _log.Flush();
                }
                catch (Exception exception)
                {
                    LogFlushFailed(_logger, exception, flushing.Count);
                    failure = new IOException(
                        "The job database's log could not be flushed to disk: the write was committed, but may not survive a power loss.", exception);
                }

                _metrics.Flushed(flushing.Count, Stopwatch.GetElapsedTime(started).TotalSeconds);
                foreach (var batch in flushing)
                {
                    batch(failure);
                }

                flushing.Clear();
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The job database's log could not be flushed to disk; the {Batches} batches committed before it are failed to their callers")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int batches);
}
