namespace VideoConversion.Api.Jobs;

/// <summary>Where a job is in its life. Serialized as AWAITING_UPLOAD, PENDING, PROCESSING, DONE, FAILED, EXPIRED.</summary>
public enum JobStatus
{
    AwaitingUpload,
    Pending,
    Processing,
    Done,
    Failed,

    /// <summary>Its upload never arrived in time, or its output was removed after the retention time: nothing to download.</summary>
    Expired,
}
