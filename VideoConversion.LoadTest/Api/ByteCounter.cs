namespace VideoConversion.LoadTest.Api;

/// <summary>
/// Bytes counted by whoever hands them on (an upload's content, a connection), from any thread: kept by the caller, so what
/// an upload sent is known even when it failed halfway.
/// </summary>
public sealed class ByteCounter
{
    private long _bytes;

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <returns>The total after adding.</returns>
    public long Add(long bytes) => Interlocked.Add(ref _bytes, bytes);
}
