using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Api;

// The public contract. Property names travel as snake_case (see ApiJson).

/// <param name="SizeBytes">Optional: the file's exact size. The upload URL is then signed for it, so storage refuses any other length.</param>
/// <param name="WebhookUrl">Optional: an endpoint that hears of this job's events, with a secret of its own (in the answer, once).</param>
/// <param name="Start">"upload" (the default): the job starts the moment the upload lands, no POST /jobs needed. "submit": it waits for POST /jobs.</param>
/// <param name="OutputFormat">Optional: the output format ("mp4", the default and only one so far).</param>
/// <param name="Outputs">Optional: what to make, any of "mp4" (the default), "hls", "poster" and "storyboard", all from one decode.</param>
/// <param name="UploadType">Optional: "multipart" (parts, in parallel, resumable; needs size_bytes) or "single" (one PUT, at most 5 GiB).
/// By default a size at or above Uploads:MultipartThreshold goes in parts.</param>
public sealed record UploadRequest(
    string? Filename, string? ContentType, long? SizeBytes = null, string? WebhookUrl = null, string? Start = null, string? OutputFormat = null,
    IReadOnlyList<string?>? Outputs = null, string? UploadType = null);

/// <summary>What an upload must respect: one setting, read by the upload page too.</summary>
public sealed record UploadLimits(long MaxFileBytes, IReadOnlyList<string> AcceptedExtensions);

/// <param name="WebhookSecret">The signing secret of the job's <c>webhook_url</c>; in this answer only.</param>
/// <param name="Start">When the job starts: "upload" (when the upload lands) or "submit" (at POST /jobs).</param>
/// <param name="PresignedUrl">One PUT of the whole file; null for a file over 5 GiB, which goes in parts only.</param>
/// <param name="UploadType">"single", or "multipart": then the file may go in <paramref name="PartCount"/> parts of
/// <paramref name="PartSize"/> bytes (the last smaller) through POST /uploads/{job_id}/parts and /complete.</param>
public sealed record UploadResponse(
    string JobId, string? PresignedUrl, DateTimeOffset ExpiresAt, string? WebhookSecret = null, string Start = "upload",
    string UploadType = UploadTypes.OnePut, long? PartSize = null, int? PartCount = null);

/// <summary>How an upload goes to storage.</summary>
public static class UploadTypes
{
    public const string OnePut = "single";
    public const string Multipart = "multipart";
}

/// <param name="WebhookUrl">Optional, with the job's first submission only: an endpoint that hears of this job's events.</param>
/// <param name="InputUrl">In place of <paramref name="JobId"/>: a new job whose video the worker fetches from this http(s) address.</param>
/// <param name="Filename">With <paramref name="InputUrl"/>: the name to show (by default the URL's last segment).</param>
/// <param name="Outputs">Optional: what to make (as at /upload/request); for a job that waits for this call, or one from <paramref name="InputUrl"/>.</param>
public sealed record SubmitJobRequest(
    string? JobId, string? OutputFormat, string? WebhookUrl = null, string? InputUrl = null, string? Filename = null, IReadOnlyList<string?>? Outputs = null);

/// <param name="WebhookSecret">The signing secret of the <c>webhook_url</c> given with this call; in this answer only.</param>
public sealed record SubmitJobResponse(string JobId, JobStatus Status, string? WebhookSecret = null);

/// <param name="UploadedAt">When the API learned its upload landed (storage's event, or a stat at POST /jobs).</param>
/// <param name="OutputUrl">Signed for this answer only, for its owner; it stops working at <paramref name="OutputUrlExpiresAt"/>. Read the job again for a new one.</param>
/// <param name="OutputBytes">Everything the job stored: all its outputs.</param>
/// <param name="Outputs">Each output asked for, with its URL and facts once the job is DONE.</param>
public sealed record JobResponse(
    string JobId,
    JobStatus Status,
    int Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    string? OutputUrl,
    string Filename,
    long? InputBytes,
    long? OutputBytes,
    int Attempts,
    string? ConversionMethod,
    bool Stalled,
    DateTimeOffset? OutputUrlExpiresAt = null,
    double? DurationSeconds = null,
    string? InputUrl = null,
    DateTimeOffset? UploadedAt = null,
    JobOutputsResponse? Outputs = null);

public sealed record JobPage(IReadOnlyList<JobResponse> Items, int Page, int PageSize, int TotalCount);
