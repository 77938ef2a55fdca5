namespace VideoConversion.Api.Data;

/// <summary>
/// One writer at a time in this process. SQLite allows a single writer per database; queueing
/// writers here, rather than letting them collide in SQLite's busy handler, means no request
/// ever meets "database is locked", however many arrive at once. Reads do not take the gate: in
/// WAL mode they run beside the writer.
/// </summary>
/// <remarks>
/// PostgreSQL takes concurrent writers (row locks, MVCC), and several API replicas write to it at once anyway: whatever a
/// gate in one process guaranteed must hold across replicas by the database's own means (row versions, advisory locks),
/// and does. There the gate lets every writer through (<see cref="For"/>).
/// </remarks>
public sealed class DatabaseWriteGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool _letsEveryoneThrough;

    public DatabaseWriteGate()
    {
    }

    private DatabaseWriteGate(bool letsEveryoneThrough) => _letsEveryoneThrough = letsEveryoneThrough;

    /// <summary>
    /// The gate of a context the <see cref="DatabaseWriter"/> runs a command with: the writer holds the process's gate for
    /// the whole batch (a pass-through one on PostgreSQL), so entering this one waits for nothing.
    /// </summary>
    public static DatabaseWriteGate HeldByWriter { get; } = new(letsEveryoneThrough: true);

    /// <summary>The process's gate for <paramref name="database"/>: one writer at a time on SQLite, any number on PostgreSQL.</summary>
    public static DatabaseWriteGate For(JobDatabase database) => database.IsPostgreSql ? new(letsEveryoneThrough: true) : new();

    public void Dispose() => _gate.Dispose();

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_letsEveryoneThrough)
        {
            return NothingToRelease.Instance;
        }

        await _gate.WaitAsync(cancellationToken);
        return new Release(_gate);
    }

    private sealed class NothingToRelease : IDisposable
    {
        public static readonly NothingToRelease Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
