namespace VideoConversion.Api.Uploads;

/// <summary>When a job starts: the <c>start</c> option of /upload/request.</summary>
public static class UploadStart
{
    /// <summary>The default: the job starts the moment its upload lands (storage announces it); POST /jobs is not needed.</summary>
    public const string OnUpload = "upload";

    /// <summary>The job waits for POST /jobs (the upload is still recorded when it lands, so that call asks storage nothing).</summary>
    public const string OnSubmit = "submit";

    public static IReadOnlyList<string> Supported { get; } = [OnUpload, OnSubmit];

    /// <summary>Whether the job starts on upload; null when <paramref name="requested"/> is neither.</summary>
    public static bool? StartsOnUpload(string? requested) => requested?.Trim().ToLowerInvariant() switch
    {
        null or "" or OnUpload => true,
        OnSubmit => false,
        _ => null,
    };
}
