using System.Buffers.Binary;
using System.Text;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Walks the boxes of an ISO base media file (MP4, ISO/IEC 14496-12): a file's top-level boxes from disk, and the boxes
/// nested in one of them once it is read into memory. A box that runs past its container is a damaged file.
/// </summary>
public static class Mp4Boxes
{
    /// <summary>Each top-level box of the file: its type, where it starts and its whole size (header included); none is read.</summary>
    /// <exception cref="InvalidDataException">A box runs past the end of the file.</exception>
    public static IEnumerable<(string Type, long Offset, long Size)> TopLevel(FileStream stream)
    {
        var header = new byte[16];
        var at = 0L;
        while (stream.Length - at >= 8)
        {
            stream.Position = at;
            stream.ReadExactly(header, 0, 8);
            var size = (long)BinaryPrimitives.ReadUInt32BigEndian(header);
            var headerSize = 8;
            if (size == 1 && stream.Length - stream.Position >= 8)
            {
                stream.ReadExactly(header, 8, 8);
                size = (long)BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(8));
                headerSize = 16;
            }
            else if (size == 0)
            {
                size = stream.Length - at; // to the end of the file
            }

            if (size < headerSize || size > stream.Length - at)
            {
                throw new InvalidDataException($"a box at {at} runs past the file");
            }

            yield return (Encoding.ASCII.GetString(header, 4, 4), at, size);
            at += size;
        }
    }

    /// <summary>The top-level box at <paramref name="offset"/>, read whole into memory.</summary>
    /// <exception cref="InvalidDataException">The box is larger than an array holds.</exception>
    public static byte[] Read(FileStream stream, long offset, long size)
    {
        if (size > Array.MaxLength)
        {
            throw new InvalidDataException($"a box at {offset} of {size} bytes is too large to read whole");
        }

        var box = new byte[size];
        stream.Position = offset;
        stream.ReadExactly(box);
        return box;
    }

    /// <summary>The first box of <paramref name="type"/> among the children of <paramref name="parent"/>.</summary>
    public static Mp4Box? Child(byte[] file, Mp4Box parent, string type) => Child(file, parent.Body, parent.End, type);

    /// <summary>The first box of <paramref name="type"/> between <paramref name="start"/> and <paramref name="end"/>.</summary>
    public static Mp4Box? Child(byte[] file, int start, int end, string type)
    {
        for (var box = At(file, start, end); box is not null; box = At(file, box.End, end))
        {
            if (box.Type == type)
            {
                return box;
            }
        }

        return null;
    }

    /// <summary>The one child of <paramref name="type"/> in <paramref name="parent"/>, for a box a reader takes as the only one.</summary>
    /// <exception cref="InvalidDataException">There is none, or more than one (readers differ on which one counts).</exception>
    public static Mp4Box Only(byte[] file, Mp4Box parent, string type) =>
        Children(file, parent).Where(box => box.Type == type).Take(2).ToList() is [var only]
            ? only
            : throw new InvalidDataException($"not exactly one {type} box");

    /// <summary><paramref name="length"/> bytes of a box's body from <paramref name="offset"/>.</summary>
    /// <exception cref="InvalidDataException">The body is shorter: reading on would read the next box.</exception>
    public static ReadOnlySpan<byte> Field(byte[] file, Mp4Box box, int offset, int length) =>
        offset >= 0 && length >= 0 && offset <= box.Length - length
            ? file.AsSpan(box.Body + offset, length)
            : throw new InvalidDataException($"a {box.Type} box too short for its fields");

    /// <summary>Every child of <paramref name="parent"/>, in order.</summary>
    public static IEnumerable<Mp4Box> Children(byte[] file, Mp4Box parent)
    {
        for (var box = At(file, parent.Body, parent.End); box is not null; box = At(file, box.End, parent.End))
        {
            yield return box;
        }
    }

    /// <summary>The next box of <paramref name="type"/> after <paramref name="after"/> within <paramref name="parent"/>.</summary>
    public static Mp4Box? Next(byte[] file, Mp4Box after, Mp4Box parent, string type) => Child(file, after.End, parent.End, type);

    /// <summary>The box that starts at <paramref name="offset"/>; null when fewer than a header's bytes are left before <paramref name="end"/>.</summary>
    /// <exception cref="InvalidDataException">
    /// The box runs past its container, or states its size as 0 (to the end) or in 64 bits: inside another box FFmpeg
    /// writes neither, and its reader refuses them in places (a sample entry, a data reference).
    /// </exception>
    public static Mp4Box? At(byte[] file, int offset, int end)
    {
        if (end - offset < 8)
        {
            return null;
        }

        var size = (long)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
        if (size < 8 || size > end - offset)
        {
            throw new InvalidDataException($"a box at {offset} of size {size} in a container of {end - offset} bytes");
        }

        return new Mp4Box(Encoding.ASCII.GetString(file, offset + 4, 4), offset + 8, (int)(offset + size));
    }

    /// <summary>The 24 flag bits of a full box (the byte before them is its version).</summary>
    public static uint Flags(byte[] file, Mp4Box box) => BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(box.Body)) & 0x00FF_FFFF;

    /// <summary>A full box's version.</summary>
    public static byte Version(byte[] file, Mp4Box box) => file[box.Body];
}

/// <summary>A box held in memory: its four-character type, where its body starts and where the box ends.</summary>
public sealed record Mp4Box(string Type, int Body, int End)
{
    public int Length => End - Body;
}
