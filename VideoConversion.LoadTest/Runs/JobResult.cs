using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Runs;

/// <summary>
/// One job as the client lived it. Upload and end to end are measured by the client (end to end:
/// from asking for the upload URL until it saw the outcome); queue wait and processing come from
/// the API's own timestamps, so polling does not blur them.
/// </summary>
/// <param name="UploadSeconds">Zero when the upload did not finish.</param>
/// <param name="UploadType">"single" or "multipart".</param>
/// <param name="UploadBytes">The file's size.</param>
/// <param name="SentBytes">Bytes handed to storage's connections for it, failed attempts included.</param>
/// <param name="UploadParts">Parts it went in (1: one PUT).</param>
/// <param name="FinishedAt">When the client saw the outcome.</param>
/// <param name="SubmittedAt">The job's `submitted_at`: when the API submitted it (its upload found landed, or POST /jobs); null when not known.</param>
/// <param name="JobFinishedAt">The job's `finished_at`: its outcome, stamped by its worker as it reported it; null when not known.</param>
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
    DateTimeOffset FinishedAt,
    string UploadType,
    long UploadBytes,
    long SentBytes,
    int UploadParts,
    DateTimeOffset? SubmittedAt = null,
    DateTimeOffset? JobFinishedAt = null)
{
    public bool Succeeded => Status == "DONE";

    /// <summary>The file's megabytes (10⁶ bytes) over the upload's time; null when the upload did not finish.</summary>
    public double? UploadMegabytesPerSecond => UploadSeconds > 0 ? UploadBytes / 1e6 / UploadSeconds : null;

    public static JobResult From(JobState state, UploadMeasurement upload, TimeSpan endToEnd, DateTimeOffset observedAt) => new(
        state.JobId,
        state.Status,
        state.Error,
        state.Attempts,
        state.ConversionMethod,
        upload.Duration.TotalSeconds,
        Between(state.SubmittedAt, state.StartedAt),
        Between(state.StartedAt, state.FinishedAt),
        endToEnd.TotalSeconds,
        observedAt,
        upload.UploadType,
        upload.FileBytes,
        upload.SentBytes,
        upload.Parts,
        state.SubmittedAt,
        state.FinishedAt);

    /// <summary>A job the client could not finish (the API refused it, the upload failed, it timed out).</summary>
    public static JobResult Failed(string jobId, string error, UploadMeasurement upload, TimeSpan endToEnd, DateTimeOffset observedAt) =>
        new(jobId, "CLIENT_ERROR", error, 0, null, upload.Duration.TotalSeconds, null, null, endToEnd.TotalSeconds, observedAt,
            upload.UploadType, upload.FileBytes, upload.SentBytes, upload.Parts);

    private static double? Between(DateTimeOffset? from, DateTimeOffset? to) =>
        from is { } start && to is { } end ? Math.Max(0, (end - start).TotalSeconds) : null;
}
