using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// POST /upload/request's answer: the job, and how its file goes to storage, "single" (one PUT to
/// <see cref="PresignedUrl"/>) or "multipart" (<see cref="PartCount"/> parts of <see cref="PartSize"/> bytes, the last smaller).
/// </summary>
/// <param name="PresignedUrl">One PUT of the whole file; null for a file over 5 GiB, which goes in parts only.</param>
/// <param name="UploadType">Absent from an API older than multipart uploads: one PUT.</param>
public sealed record UploadTicket(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("presigned_url")] string? PresignedUrl,
    [property: JsonPropertyName("upload_type")] string? UploadType = null,
    [property: JsonPropertyName("part_size")] long? PartSize = null,
    [property: JsonPropertyName("part_count")] int? PartCount = null)
{
    /// <summary>The API's names for the two kinds of upload (upload_type), under the names the API gives them in code.</summary>
    public const string OnePut = "single";

    public const string Multipart = "multipart";

    /// <summary>S3's largest single PUT: a larger file can only go in parts.</summary>
    public const long MaxSinglePutBytes = 5L * 1024 * 1024 * 1024;

    public bool IsMultipart => UploadType == Multipart;

    /// <summary>Where the one PUT goes.</summary>
    public Uri SingleUrl() => PresignedUrl is { } url
        ? new Uri(url)
        : throw new LoadTestException($"Job {JobId}: the API gave no URL for one PUT (a file over 5 GiB goes in parts only: use --multipart).");
}
