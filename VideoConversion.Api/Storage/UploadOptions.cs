using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Storage;

/// <summary>Presigned URL settings, from the "Uploads" configuration section.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>
    /// The largest upload accepted, in bytes (50 GB by default, sent in parts: one PUT takes at most 5 GiB). A declared size past it is refused
    /// at /upload/request (413); an upload that declared none is checked, and deleted if larger,
    /// at POST /jobs. The upload page reads it from GET /upload/limits.
    /// </summary>
    [Range(1, long.MaxValue, ErrorMessage = "Uploads:MaxFileBytes must be positive.")]
    public long MaxFileBytes { get; set; } = 50L * 1000 * 1000 * 1000;

    /// <summary>How long an upload URL stays valid.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00", ErrorMessage = "Uploads:UploadUrlLifetime must be between 10 seconds and 7 days (the S3 maximum).")]
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a download URL of a finished video stays valid. Each read of a job signs a new one for
    /// its owner, so a short life costs nothing; a link that leaks stops working soon.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00", ErrorMessage = "Uploads:DownloadUrlLifetime must be between 10 seconds and 7 days (the S3 maximum).")]
    public TimeSpan DownloadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The storage endpoint as browsers and clients reach it, when that differs from the one the
    /// API uses (a presigned URL is signed for its host). Unset: the internal endpoint.
    /// </summary>
    public Uri? PublicEndpoint { get; set; }

    /// <summary>
    /// A declared size at or above this is answered with a multipart upload (parts sent in parallel, resumable); below
    /// it, one PUT. 64 MiB by default.
    /// </summary>
    [Range(5L * 1024 * 1024, long.MaxValue, ErrorMessage = "Uploads:MultipartThreshold must be at least 5 MiB (S3's smallest part).")]
    public long MultipartThreshold { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The size of each part but the last, in bytes (16 MiB by default); raised for a file that would need more than S3's
    /// 10,000 parts.
    /// </summary>
    [Range(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024, ErrorMessage = "Uploads:PartSize must be between 5 MiB and 5 GiB (S3's part limits).")]
    public long PartSize { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// How long an upload in parts waits for its client between two of its calls (part URLs asked for, parts listed) before
    /// it is taken for abandoned: its job expires and storage drops its parts. A day by default, so a paused upload, a
    /// sleeping laptop or a reload the next morning still resumes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "30.00:00:00", ErrorMessage = "Uploads:MultipartIdleLifetime must be between 10 seconds and 30 days.")]
    public TimeSpan MultipartIdleLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The size of part <paramref name="number"/> (1-based) of a file of <paramref name="sizeBytes"/> cut in parts of <paramref name="partSize"/>.</summary>
    public static long PartBytes(long sizeBytes, long partSize, int number) => Math.Min(partSize, sizeBytes - (number - 1) * partSize);

    /// <summary>S3's most parts in one upload.</summary>
    public const int MaxParts = 10_000;

    /// <summary>S3's largest single PUT: a larger file can only go in parts.</summary>
    public const long MaxSinglePutBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>The part size for a file of <paramref name="sizeBytes"/>: <see cref="PartSize"/>, or more (whole MiB) to stay within <see cref="MaxParts"/>.</summary>
    public long PartSizeFor(long sizeBytes)
    {
        const long MiB = 1024 * 1024;
        var least = (sizeBytes + MaxParts - 1) / MaxParts;
        return Math.Max(PartSize, (least + MiB - 1) / MiB * MiB);
    }
}
