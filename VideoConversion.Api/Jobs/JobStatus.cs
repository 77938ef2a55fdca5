namespace VideoConversion.Api.Jobs;

/// <summary>Where a job is in its life. Serialized as AWAITING_UPLOAD, PENDING, PROCESSING, DONE, FAILED, EXPIRED, CANCELED.</summary>
public enum JobStatus
{
    AwaitingUpload,
    Pending,
    Processing,
    Done,
    Failed,

    /// <summary>Its upload never arrived in time, or its output was removed after the retention time: nothing to download.</summary>
    Expired,

    /// <summary>Its owner canceled it before it was done; it can be retried while its input is kept.</summary>
    Canceled,
}
