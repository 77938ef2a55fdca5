using System.Collections.Concurrent;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// The job runs their owners canceled, as this worker heard of them: the one it is converting is stopped at
/// once, and one whose message arrives later is skipped. A retry is a run of its own, and is not. Remembered for <see cref="Memory"/> (the API
/// cancels again when a worker it did not reach reports the job anyway), and at most <see cref="Capacity"/> of them.
/// </summary>
public sealed class CanceledJobs(TimeProvider time)
{
    public static readonly TimeSpan Memory = TimeSpan.FromHours(1);

    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _canceled = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public void Cancel(string jobId, int run)
    {
        var now = time.GetUtcNow();
        var key = Key(jobId, run);
        _canceled[key] = now;
        if (_canceled.Count > Capacity)
        {
            Forget(now);
        }

        if (_running.TryGetValue(key, out var running))
        {
            running.Cancel();
        }
    }

    private static string Key(string jobId, int run) => $"{jobId}/{run}";

    /// <summary>The forgotten ones first, then the oldest, until a tenth of the room is free again.</summary>
    private void Forget(DateTimeOffset now)
    {
        foreach (var old in _canceled.Where(entry => now - entry.Value > Memory).ToList())
        {
            _canceled.TryRemove(old);
        }

        foreach (var oldest in _canceled.OrderBy(entry => entry.Value).Take(_canceled.Count - Capacity * 9 / 10).ToList())
        {
            _canceled.TryRemove(oldest);
        }
    }

    public bool IsCanceled(string jobId, int run) =>
        _canceled.TryGetValue(Key(jobId, run), out var at) && time.GetUtcNow() - at <= Memory;

    /// <summary>A running job: its token fires when the job is canceled (at once, if it already was).</summary>
    public RunningJob Watch(string jobId, int run)
    {
        var source = new CancellationTokenSource();
        var key = Key(jobId, run);
        _running[key] = source;
        if (IsCanceled(jobId, run))
        {
            source.Cancel();
        }

        return new RunningJob(this, key, source);
    }

    public sealed class RunningJob(CanceledJobs owner, string key, CancellationTokenSource source) : IDisposable
    {
        public CancellationToken Canceled => source.Token;

        public void Dispose()
        {
            owner._running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(key, source));
            source.Dispose();
        }
    }
}
