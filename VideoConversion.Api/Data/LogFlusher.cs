using System.Diagnostics;
using System.Threading.Channels;

namespace VideoConversion.Api.Data;

/// <summary>
/// The second half of the SQLite writer's group commit. Its connection commits a batch without syncing the log
/// (<see cref="JobDatabase.DeferLogSyncAsync"/>) and hands the batch here; this flushes the log once for every batch
/// handed over while the last flush ran, on a thread of its own, and only then are the batches' writes answered. The
/// writer meanwhile runs its next batch: the disk's flush overlaps the next batch's work instead of following it, and
/// an answer still means the write is on disk (as with <c>synchronous=FULL</c>, SQLite's power-safe overwrite assumed,
/// its default).
/// </summary>
/// <remarks>
/// Other connections may read a batch before its flush ended; what they act on outside the database (the outbox's and
/// the webhooks' dispatchers) they act on after <see cref="DatabaseWriter.FlushedAsync"/>. A flush that fails is the
/// end of the process, as in PostgreSQL: after an fsync error the OS may have dropped the log's pages while calling
/// them clean, so no later flush could be trusted, and the batches waiting are neither answered as kept nor as failed
/// (they are committed, and may or may not survive). After a restart SQLite's recovery keeps what the log holds.
/// </remarks>
internal sealed partial class LogFlusher
{
    private readonly Action _flush;
    private readonly Action<string, Exception> _stop;
    private readonly DatabaseMetrics _metrics;
    private readonly ILogger _logger;
    // Synchronous continuations: the writer's hand-over wakes this thread at once, not through a pool thread.
    private readonly Channel<(Action WhenFlushed, bool IsBatch)> _committed = Channel.CreateUnbounded<(Action, bool)>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="flush">The log's fsync (<see cref="WriteAheadLog.Flush"/>).</param>
    /// <param name="stop">What ends the process when a flush failed (<see cref="Environment.FailFast(string, Exception)"/>).</param>
    public LogFlusher(Action flush, Action<string, Exception> stop, DatabaseMetrics metrics, ILogger logger)
    {
        _flush = flush;
        _stop = stop;
        _metrics = metrics;
        _logger = logger;
        // A thread, not the pool's: an fsync blocks for milliseconds, and on a small machine a pool thread blocked that
        // long would stall the requests queued behind it.
        new Thread(Run) { IsBackground = true, Name = "Database log flush" }.Start();
    }

    /// <summary>Completes once the flusher has stopped after its last flush; never, when a flush failed.</summary>
    public Task Stopped => _stopped.Task;

    /// <param name="whenFlushed">Called once a flush that began after this call has put the log on disk.</param>
    /// <param name="isBatch">A committed batch (counted in the flush's metrics), not a wait for a flush.</param>
    /// <returns>False once stopping or stopped: nothing more will be flushed.</returns>
    public bool Enqueue(Action whenFlushed, bool isBatch) => _committed.Writer.TryWrite((whenFlushed, isBatch));

    /// <summary>Flushes for the batches already handed over, answers them, and stops.</summary>
    public Task StopAsync()
    {
        _committed.Writer.TryComplete();
        return _stopped.Task;
    }

    private void Run()
    {
        List<(Action WhenFlushed, bool IsBatch)> flushing = [];
        var stopsCleanly = true;
        try
        {
            while (_committed.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (_committed.Reader.TryRead(out var batch))
                {
                    flushing.Add(batch);
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    _flush();
                }
                catch (Exception exception)
                {
                    var waiting = flushing.Count(entry => entry.IsBatch);
                    LogFlushFailed(_logger, exception, waiting);
                    // Nothing waiting now or later is told of a flush, and Stopped never completes: no answer, no
                    // message, no event for what the disk may not hold.
                    stopsCleanly = false;
                    _stop("The job database's write-ahead log could not be flushed to disk; the API stops rather than answer for writes the disk may not hold.", exception);
                    _committed.Writer.TryComplete();
                    return;
                }

                _metrics.Flushed(flushing.Count(entry => entry.IsBatch), Stopwatch.GetElapsedTime(started).TotalSeconds);
                foreach (var (whenFlushed, _) in flushing)
                {
                    try
                    {
                        whenFlushed();
                    }
                    catch (Exception exception)
                    {
                        // One batch's answer (a webhook signal disposed at shutdown, say) keeps no other from its own.
                        LogAnswerFailed(_logger, exception);
                    }
                }

                flushing.Clear();
            }
        }
        finally
        {
            if (stopsCleanly)
            {
                _stopped.TrySetResult();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The job database's log could not be flushed to disk; {Batches} committed batches wait for it, and the API stops")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int batches);

    [LoggerMessage(Level = LogLevel.Error, Message = "Answering a batch's writes after the log's flush failed")]
    private static partial void LogAnswerFailed(ILogger logger, Exception exception);
}
