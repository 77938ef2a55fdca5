namespace VideoConversion.Api.Jobs;

/// <summary>Output formats a job can ask for. MP4 (H.264/AAC) is the one every browser plays.</summary>
public static class OutputFormats
{
    public const string Mp4 = "mp4";

    public static IReadOnlyList<string> Supported { get; } = [Mp4];

    public static string? Normalize(string? requested) =>
        Supported.FirstOrDefault(format => format.Equals(requested?.Trim(), StringComparison.OrdinalIgnoreCase));
}
