namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>Reads the top-level boxes of an MP4 file.</summary>
public static class Mp4Layout
{
    /// <summary>
    /// Whether the "moov" box (the index) comes before "mdat" (the media), so that a browser can
    /// start playing before the whole file has arrived. False for a file that is not an MP4.
    /// </summary>
    public static bool IsFastStart(string path)
    {
        using var file = File.OpenRead(path);
        try
        {
            return Mp4Boxes.TopLevel(file).Select(box => box.Type).FirstOrDefault(type => type is "moov" or "mdat") == "moov";
        }
        catch (InvalidDataException)
        {
            return false; // a damaged box before either
        }
    }
}
