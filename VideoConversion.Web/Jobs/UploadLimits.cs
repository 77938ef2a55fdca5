namespace VideoConversion.Web.Jobs;

/// <summary>GET /upload/limits: the largest upload the API accepts.</summary>
public sealed record UploadLimits(long MaxFileBytes);
