namespace VideoConversion.Web.Uploads;

/// <summary>How far an upload is, how fast it goes and how long it has left, from bytes and time.</summary>
/// <param name="Elapsed">Time spent sending (pauses left out).</param>
/// <param name="ResumedBytes">What storage held before this page began sending (a resumed upload): counted as sent, not in the speed.</param>
public readonly record struct TransferProgress(long SentBytes, long TotalBytes, TimeSpan Elapsed, long ResumedBytes = 0)
{
    public int Percent => TotalBytes <= 0 ? 0 : (int)Math.Clamp(SentBytes * 100 / TotalBytes, 0, 100);

    /// <summary>Average bytes per second so far; null until there is something to average.</summary>
    public double? BytesPerSecond => Elapsed > TimeSpan.Zero && SentBytes > ResumedBytes ? (SentBytes - ResumedBytes) / Elapsed.TotalSeconds : null;

    public TimeSpan? Remaining => BytesPerSecond is { } speed
        ? TimeSpan.FromSeconds(Math.Max(0, TotalBytes - SentBytes) / speed)
        : null;
}
