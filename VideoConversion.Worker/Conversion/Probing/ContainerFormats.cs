namespace VideoConversion.Worker.Conversion.Probing;

/// <summary>
/// The demuxers FFmpeg and ffprobe may use (their -format_whitelist). Everything else is refused
/// before its header is read: playlists (HLS, DASH) and concat lists would make FFmpeg open URLs
/// or other files, and image sequences read files by pattern.
/// </summary>
public static class ContainerFormats
{
    private static readonly (string Demuxer, string Name)[] Accepted =
    [
        ("mov", "MP4, MOV, 3GP"),
        ("matroska", "MKV, WebM"),
        ("avi", "AVI"),
        ("flv", "FLV"),
        ("mpegts", "MPEG-TS"),
        ("mpeg", "MPEG-PS (VOB)"),
        ("asf", "WMV"),
        ("ogg", "Ogg"),
        ("gif", "GIF"),
    ];

    /// <summary>The value for FFmpeg's -format_whitelist.</summary>
    public static string Whitelist { get; } = string.Join(',', Accepted.Select(format => format.Demuxer));

    /// <summary>For error messages: what a person would call the accepted formats.</summary>
    public static string Names { get; } = string.Join(", ", Accepted.Select(format => format.Name));

    /// <summary>What a person would call a refused demuxer's data ("The file is …"); null when it has no common name.</summary>
    public static string? Describe(string demuxer) => demuxer switch
    {
        "hls" => "an HLS playlist",
        "dash" => "a DASH manifest",
        "concat" => "an FFmpeg concat list",
        "tty" => "a text file",
        _ when demuxer.StartsWith("image2", StringComparison.Ordinal) || demuxer.EndsWith("_pipe", StringComparison.Ordinal) => "a still image",
        _ => null,
    };
}
