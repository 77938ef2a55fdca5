using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>One edit of a track's edit list (elst): what part of the media plays, for how long and how fast.</summary>
/// <param name="SegmentDuration">How long the edit plays, in the movie's timescale (mvhd's).</param>
/// <param name="MediaTime">Where in the media it starts, in the track's timescale (mdhd's); -1 for an empty edit, a delay.</param>
/// <param name="Rate">Its speed, 16.16 fixed point.</param>
public sealed record Mp4Edit(ulong SegmentDuration, long MediaTime, int Rate)
{
    public bool IsEmpty => MediaTime == -1;
}

public static class Mp4EditList
{
    /// <summary>
    /// More edits than FFmpeg's muxer writes (a delay, then the media) are not read: no file of its layout has them, and a
    /// list of a million is a file made to cost memory.
    /// </summary>
    private const int MaxEdits = 2;

    /// <summary>The track's edits in order; null when it has no edit list (all its media plays, from its start).</summary>
    /// <exception cref="InvalidDataException">The list is of a version MP4 does not define, longer than its box, or of more than two edits.</exception>
    public static IReadOnlyList<Mp4Edit>? Of(byte[] file, Mp4Box trak)
    {
        if (Mp4Boxes.Child(file, trak, "edts") is not { } edts)
        {
            return null;
        }

        var elst = Mp4Boxes.Only(file, edts, "elst");
        var version = Mp4Boxes.Version(file, elst);
        if (version > 1)
        {
            throw new InvalidDataException($"an edit list of version {version}");
        }

        // Version 1 widens the segment duration and the media time to 64 bits.
        var wide = version == 1;
        var entrySize = wide ? 20 : 12;
        var entries = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, elst, 4, 4));
        if (entries > MaxEdits || entries > (uint)((elst.Length - 8) / entrySize))
        {
            throw new InvalidDataException($"an edit list of {entries} edits in {elst.Length} bytes");
        }

        var edits = new List<Mp4Edit>((int)entries);
        for (var i = 0; i < (int)entries; i++)
        {
            var at = 8 + i * entrySize;
            edits.Add(wide
                ? new Mp4Edit(BinaryPrimitives.ReadUInt64BigEndian(Mp4Boxes.Field(file, elst, at, 8)),
                    BinaryPrimitives.ReadInt64BigEndian(Mp4Boxes.Field(file, elst, at + 8, 8)),
                    BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, elst, at + 16, 4)))
                : new Mp4Edit(BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, elst, at, 4)),
                    BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, elst, at + 4, 4)),
                    BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, elst, at + 8, 4))));
        }

        return edits;
    }
}
