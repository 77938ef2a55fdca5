using System.Buffers.Binary;
using System.Text;

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
        Span<byte> header = stackalloc byte[8];
        while (file.Length - file.Position >= header.Length)
        {
            var start = file.Position;
            file.ReadExactly(header);
            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header[4..]);
            if (type == "moov")
            {
                return true;
            }

            if (type == "mdat")
            {
                return false;
            }

            if (size == 1 && file.Length - file.Position >= header.Length)
            {
                file.ReadExactly(header);
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header);
            }

            if (size < 8)
            {
                return false; // a box that runs to the end of the file, or a damaged one
            }

            file.Position = start + size;
        }

        return false;
    }
}
