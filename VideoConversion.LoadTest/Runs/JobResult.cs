using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Runs;

/// <summary>
/// One job as the client lived it. Upload and end to end are measured by the client (end to end:
/// from asking for the upload URL until it saw the outcome); queue wait and processing come from
/// the API's own timestamps, so polling does not blur them.
/// </summary>
public sealed record JobResult(
    string JobId,
    string Status,
    string? Error,
    int Attempts,
    string? ConversionMethod,
    double UploadSeconds,
    double? QueueWaitSeconds,
    double? ProcessingSeconds,
    double EndToEndSeconds,
    DateTimeOffset FinishedAt)
{
    public bool Succeeded => Status == "DONE";

    public static JobResult From(JobState state, TimeSpan upload, TimeSpan endToEnd, DateTimeOffset observedAt) => new(
        state.JobId,
        state.Status,
        state.Error,
        state.Attempts,
        state.ConversionMethod,
        upload.TotalSeconds,
        Between(state.SubmittedAt, state.StartedAt),
        Between(state.StartedAt, state.FinishedAt),
        endToEnd.TotalSeconds,
        observedAt);

    /// <summary>A job the client could not finish (the API refused it, the upload failed, it timed out).</summary>
    public static JobResult Failed(string jobId, string error, TimeSpan upload, TimeSpan endToEnd, DateTimeOffset observedAt) =>
        new(jobId, "CLIENT_ERROR", error, 0, null, upload.TotalSeconds, null, null, endToEnd.TotalSeconds, observedAt);

    private static double? Between(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } start && to is { } end ? Math.Max(0, (end - start).TotalSeconds) : null;
}
