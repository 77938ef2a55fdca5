using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Text;

namespace VideoConversion.Web.Uploads;

/// <summary>The checks a chosen file passes before any upload starts, with the reason when it does not.</summary>
public static class UploadFileCheck
{
    /// <summary>The accepted extensions, for the file picker's accept attribute and the help text.</summary>
    public static string Accept { get; } = string.Join(',', InputFormats.Supported);

    /// <returns>Null when the file may be uploaded; otherwise a sentence saying what is wrong.</returns>
    public static string? Problem(string fileName, long size, long maxBytes)
    {
        if (InputFormats.ExtensionOf(fileName) is null)
        {
            return $"{fileName} is not a video file this service accepts (accepted: {string.Join(", ", InputFormats.Supported)}).";
        }

        if (size == 0)
        {
            return $"{fileName} is empty.";
        }

        if (size > maxBytes)
        {
            return $"{fileName} is {ByteText.Size(size)}; the largest accepted is {ByteText.Size(maxBytes)}.";
        }

        return null;
    }
}
