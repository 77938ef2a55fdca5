namespace VideoConversion.Api.Jobs;

/// <summary>Where a job is in its life. Serialized as AWAITING_UPLOAD, PENDING, PROCESSING, DONE, FAILED.</summary>
public enum JobStatus
{
    AwaitingUpload,
    Pending,
    Processing,
    Done,
    Failed,
}
