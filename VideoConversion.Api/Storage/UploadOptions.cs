using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Storage;

/// <summary>Presigned URL settings, from the "Uploads" configuration section.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>
    /// The largest upload accepted, in bytes (10 GB by default). A declared size past it is refused
    /// at /upload/request (413); an upload that declared none is checked, and deleted if larger,
    /// at POST /jobs. The upload page reads it from GET /upload/limits.
    /// </summary>
    [Range(1, long.MaxValue, ErrorMessage = "Uploads:MaxFileBytes must be positive.")]
    public long MaxFileBytes { get; set; } = 10L * 1000 * 1000 * 1000;

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
}
