using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Api;

/// <summary>A job as GET /jobs/{id} reports it: the fields the load tool times and counts.</summary>
/// <param name="InputBytes">The upload's size as the job took it, from its submission (the benchmark checks an upload in parts landed whole).</param>
/// <param name="UploadedAt">When storage's event (or a stat) recorded the upload: the benchmark waits for it before submitting.</param>
public sealed record JobState(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("submitted_at")] DateTimeOffset? SubmittedAt,
    [property: JsonPropertyName("started_at")] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("finished_at")] DateTimeOffset? FinishedAt,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("conversion_method")] string? ConversionMethod,
    [property: JsonPropertyName("input_bytes")] long? InputBytes = null,
    [property: JsonPropertyName("uploaded_at")] DateTimeOffset? UploadedAt = null)
{
    public bool IsFinal => Status is "DONE" or "FAILED" or "EXPIRED";
}
