using VideoConversion.Web.Jobs;

namespace VideoConversion.Web.Uploads;

/// <summary>One file chosen on the page and what has become of it.</summary>
public sealed class UploadItem(string id, string fileName, long size)
{
    /// <summary>The browser's handle for the file, used to cancel its upload.</summary>
    public string Id { get; } = id;

    public string FileName { get; } = fileName;
    public long Size { get; } = size;
    public UploadStage Stage { get; set; } = UploadStage.Uploading;
    public TransferProgress Transfer { get; set; } = new(0, size, TimeSpan.Zero);
    public string? JobId { get; set; }

    /// <summary>Sent in parts: it can be paused, and resumed after a reload.</summary>
    public bool IsMultipart { get; set; }

    public bool Paused { get; set; }

    /// <summary>Why sending stands still for a moment (a part failed and is sent again after a wait); null while it flows.</summary>
    public string? Waiting { get; set; }

    /// <summary>The trace of this video (see <see cref="UploadTracing"/>), continued when the job is submitted.</summary>
    public System.Diagnostics.ActivityContext Trace { get; set; }

    /// <summary>When the browser was given the upload URL: the start of the speed and time-left clock.</summary>
    public DateTimeOffset? UploadStartedAt { get; set; }
    public JobSummary? Job { get; set; }

    /// <summary>Why the file was rejected or its upload failed.</summary>
    public string? Error { get; set; }

    /// <summary>Whether the page still has to ask the API about this file's job.</summary>
    public bool NeedsStatus => Stage == UploadStage.Converting && Job?.IsFinal != true;

    /// <summary>Its job is done, but the download link is about to expire: the API signs a new one on the next read.</summary>
    public bool NeedsNewLink(DateTimeOffset now) => Stage == UploadStage.Converting && Job is { IsDone: true } job && job.LinkExpiresWithin(now, LinkMargin);

    /// <summary>Links are renewed this long before they expire, so a click never meets a dead one.</summary>
    public static readonly TimeSpan LinkMargin = TimeSpan.FromMinutes(1);
}
