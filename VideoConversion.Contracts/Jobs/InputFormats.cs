namespace VideoConversion.Contracts.Jobs;

/// <summary>
/// The file types accepted for upload. The extension is taken from this list, never from the
/// user's file name as typed, so a storage key can only ever be "{job id}{known extension}".
/// The extension decides; a client's content type is only a guess (Python's mimetypes calls
/// ".ts" "text/vnd.trolltech.linguist" and ".3gp" "audio/3gpp"), and every upload is probed
/// before it is converted anyway, so the content type is kept for display and never refuses a file.
/// </summary>
public static class InputFormats
{
    private static readonly string[] Extensions =
    [
        ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".flv", ".wmv", ".asf", ".ogv",
        ".ts", ".mts", ".m2ts", ".mpg", ".mpeg", ".vob", ".3gp", ".3g2", ".gif",
    ];

    public static IReadOnlyList<string> Supported => Extensions;

    /// <summary>The allow-listed extension for <paramref name="fileName"/>, lowercased; null when not supported.</summary>
    public static string? ExtensionOf(string fileName)
    {
        var extension = Path.GetExtension(fileName.Trim());
        return Extensions.FirstOrDefault(known => known.Equals(extension, StringComparison.OrdinalIgnoreCase));
    }
}
