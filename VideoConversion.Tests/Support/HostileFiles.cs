namespace VideoConversion.Tests.Support;

/// <summary>Text files that FFmpeg would read as instructions to open something else.</summary>
public static class HostileFiles
{
    public static string HlsPlaylist(string segmentUrl) =>
        $"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\n{segmentUrl}\n#EXT-X-ENDLIST\n";

    public static string ConcatList(params string[] files) =>
        "ffconcat version 1.0\n" + string.Concat(files.Select(file => $"file '{file}'\n"));
}
