using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>Where a track's samples are in an MP4 file, from its sample table.</summary>
public static class Mp4Samples
{
    /// <summary>Each sample's place in the file, in decoding order: the chunks' offsets (stco or co64), samples per chunk (stsc) and sizes (stsz).</summary>
    public static IEnumerable<(long Offset, long Size)> Places(byte[] file, Mp4Box stbl)
    {
        var stsz = Mp4Boxes.Only(file, stbl, "stsz");
        long fixedSize = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 4, 4));
        var sampleCount = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 8, 4));
        var offsets = ChunkOffsets(file, stbl);
        var wide = offsets.Type == "co64";
        var chunks = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, offsets, 4, 4));
        var stsc = Mp4Boxes.Only(file, stbl, "stsc");
        var runs = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 4, 4));

        var sample = 0u;
        for (var run = 0u; run < runs; run++)
        {
            var firstChunk = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 8 + (int)run * 12, 4));
            var perChunk = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 12 + (int)run * 12, 4));
            var nextFirst = run + 1 < runs ? BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 20 + (int)run * 12, 4)) : chunks + 1;
            for (var chunk = firstChunk; chunk < nextFirst && chunk <= chunks; chunk++)
            {
                var at = wide
                    ? (long)BinaryPrimitives.ReadUInt64BigEndian(Mp4Boxes.Field(file, offsets, 8 + (int)(chunk - 1) * 8, 8))
                    : BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, offsets, 8 + (int)(chunk - 1) * 4, 4));
                for (var i = 0u; i < perChunk && sample < sampleCount; i++, sample++)
                {
                    long size = fixedSize != 0 ? fixedSize : BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 12 + (int)sample * 4, 4));
                    yield return (at, size);
                    at += size;
                }
            }
        }
    }

    /// <summary>The decoding-time table (stts): runs of samples and how long each of the run's samples lasts, in the track's units.</summary>
    /// <exception cref="InvalidDataException">The table states more runs than it holds.</exception>
    public static IReadOnlyList<(uint Count, uint Duration)> Durations(byte[] file, Mp4Box stbl)
    {
        var stts = Mp4Boxes.Only(file, stbl, "stts"); // version and flags, entry count, then (sample count, sample delta) pairs
        var entries = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stts, 4, 4));
        if (entries > (uint)(stts.Length / 8))
        {
            throw new InvalidDataException($"a decoding-time table of {entries} runs in {stts.Length} bytes");
        }

        var runs = new (uint Count, uint Duration)[entries];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = (BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stts, 8 + i * 8, 4)),
                BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stts, 12 + i * 8, 4)));
        }

        return runs;
    }

    /// <summary>The chunk offsets: stco or co64, not both (FFmpeg takes whichever comes first).</summary>
    public static Mp4Box ChunkOffsets(byte[] file, Mp4Box stbl) =>
        (Mp4Boxes.Child(file, stbl, "stco"), Mp4Boxes.Child(file, stbl, "co64")) switch
        {
            ({ } stco, null) => stco,
            (null, { } co64) => co64,
            _ => throw new InvalidDataException("not exactly one of stco and co64"),
        };
}
