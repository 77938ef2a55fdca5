namespace VideoConversion.Contracts.Jobs;

/// <summary>The timing contract between a worker's progress reports and the API's view of them.</summary>
public static class JobHeartbeat
{
    /// <summary>A working worker reports at least this often, whatever it is doing (downloading, converting, uploading).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    /// <summary>A job PROCESSING without a report for this long has most likely lost its worker.</summary>
    public static readonly TimeSpan StalledAfter = 4 * Interval;
}
