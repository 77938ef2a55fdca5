using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Web.Uploads;

/// <summary>What the page accepts before it asks for an upload URL, from the "Uploads" section.</summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>The largest file the page uploads. A presigned PUT cannot cap size itself, so the page says it up front.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "Uploads:MaxFileBytes must be positive.")]
    public long MaxFileBytes { get; set; } = 10L * 1000 * 1000 * 1000;

    /// <summary>How often the page asks the API for the status of the jobs it shows.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00", ErrorMessage = "Uploads:StatusRefreshInterval must be between 0.2 s and 1 minute.")]
    public TimeSpan StatusRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}
