namespace VideoConversion.Worker.Jobs;

/// <summary>
/// The worker's one conversion turn, held from a job's start until its FFmpeg is done. Given back at once then, so the
/// next job starts converting while this one's output is stored; disposing gives it back too (only once either way).
/// </summary>
public sealed class ConversionTurn(SemaphoreSlim turn) : IDisposable
{
    private int _released;

    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            turn.Release();
        }
    }

    public void Dispose() => Release();
}
