namespace VideoConversion.Api.Data;

/// <summary>
/// One writer at a time in this process. SQLite allows a single writer per database; queueing
/// writers here, rather than letting them collide in SQLite's busy handler, means no request
/// ever meets "database is locked", however many arrive at once. Reads do not take the gate: in
/// WAL mode they run beside the writer.
/// </summary>
public sealed class DatabaseWriteGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool _heldByWriter;

    public DatabaseWriteGate()
    {
    }

    private DatabaseWriteGate(bool heldByWriter) => _heldByWriter = heldByWriter;

    /// <summary>
    /// The gate of a context the <see cref="DatabaseWriter"/> runs a command with: the writer holds the real gate for the
    /// whole batch, so entering this one waits for nothing.
    /// </summary>
    public static DatabaseWriteGate HeldByWriter { get; } = new(heldByWriter: true);

    public void Dispose() => _gate.Dispose();

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_heldByWriter)
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
