namespace VideoConversion.Api.Coordination;

/// <summary>
/// A duty's lease, held by this replica: while it is held, no other replica holds the same duty's. Disposing it gives
/// the duty up. Whatever the duty does must stop when <see cref="Lost"/> is cancelled, because from then on another
/// replica may take the duty over (<see cref="ReplicaLeases.RunWhileHeldAsync"/> does that).
/// </summary>
public sealed partial class ReplicaLease : IAsyncDisposable
{
    private readonly AdvisoryLock? _lock;
    private readonly Action<ReplicaLease> _released;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private readonly Task _watching;
    private int _disposed;

    /// <param name="held">The duty's advisory lock, taken (PostgreSQL); null where one process runs everything (SQLite),
    /// and the lease can never be lost.</param>
    /// <param name="released">Told once, when the lease is disposed.</param>
    internal ReplicaLease(string duty, AdvisoryLock? held, TimeProvider time, ILogger logger, Action<ReplicaLease> released)
    {
        Duty = duty;
        _lock = held;
        _logger = logger;
        _released = released;
        // Kept, not read from the source each time: the token stays readable after the lease is disposed.
        Lost = held is null ? CancellationToken.None : _lost.Token;
        _watching = held is null ? Task.CompletedTask : WatchAsync(held, time);
    }

    public string Duty { get; }

    /// <summary>
    /// Cancelled when the lease is lost: its session stopped answering (the connection broke, the server restarted), so
    /// the server may have freed the lock for another replica. Never cancelled on SQLite, where there is nothing to lose.
    /// </summary>
    public CancellationToken Lost { get; }

    /// <summary>Held, and not lost.</summary>
    public bool IsHeld => Volatile.Read(ref _disposed) == 0 && !_lost.IsCancellationRequested;

    /// <summary>
    /// Checks the lock's session every <see cref="ReplicaLeases.CheckInterval"/>: the server frees the lock the moment the
    /// session ends, and this is how this replica learns of it (within the interval and a call's time limit) and stops.
    /// The session is left open here: it ends when the lease is disposed, after the duty has stopped, so a session that
    /// is only slow keeps the other replicas out until this one's work is done.
    /// </summary>
    private async Task WatchAsync(AdvisoryLock held, TimeProvider time)
    {
        try
        {
            using var timer = new PeriodicTimer(ReplicaLeases.CheckInterval, time);
            while (await timer.WaitForNextTickAsync(_stopWatching.Token))
            {
                await held.CheckAsync(_stopWatching.Token);
            }
        }
        catch (OperationCanceledException) when (_stopWatching.IsCancellationRequested)
        {
            // Given up (disposed), not lost.
        }
        catch (Exception exception)
        {
            LogLost(_logger, Duty, exception);
            await _lost.CancelAsync();
        }
    }

    /// <summary>Stops watching, then unlocks and ends the lock's session: another replica may take the duty from now on.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopWatching.CancelAsync();
        await _watching;
        if (_lock is not null)
        {
            await _lock.DisposeAsync();
        }

        _released(this);
        _stopWatching.Dispose();
        _lost.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lost the lease of {Duty}: its database session stopped answering. The duty stops here and another replica may take it over; this one asks for it again")]
    private static partial void LogLost(ILogger logger, string duty, Exception exception);
}
