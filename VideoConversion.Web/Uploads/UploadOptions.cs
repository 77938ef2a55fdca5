using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Web.Uploads;

/// <summary>
/// The page's own settings, from the "Uploads" section. The size limit is the API's
/// (Uploads:MaxFileBytes there), read from GET /upload/limits.
/// </summary>
public sealed class UploadOptions
{
    public const string SectionName = "Uploads";

    /// <summary>How often the page asks the API for the status of the jobs it shows.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00", ErrorMessage = "Uploads:StatusRefreshInterval must be between 0.2 s and 1 minute.")]
    public TimeSpan StatusRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
}
