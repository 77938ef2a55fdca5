namespace VideoConversion.Web.Uploads;

/// <summary>Where one chosen file is, from the browser to a playable result.</summary>
public enum UploadStage
{
    /// <summary>The file failed the checks before upload; nothing was sent.</summary>
    Rejected,
    Uploading,
    Cancelled,

    /// <summary>Uploaded; the job is being started.</summary>
    Starting,

    /// <summary>The job exists; its status comes from the API (PENDING, PROCESSING, DONE, FAILED).</summary>
    Converting,

    /// <summary>The upload or the start failed before the job could run.</summary>
    Failed,
}
