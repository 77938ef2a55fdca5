using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Whether an MP4's index is laid out as FFmpeg's MP4 muxer writes it: the boxes it writes and no others, where it
/// writes them, each once; sample tables as long as their counts; one self-contained data reference; plain edit lists.
/// <see cref="Mp4Index"/> answers only for such files: FFmpeg's demuxer applies any box it knows wherever it finds it,
/// so a box elsewhere could make ffprobe report what the index does not read.
/// </summary>
public static class Mp4MuxerLayout
{
    /// <summary>More children than this in one box (tracks, say) is no file FFmpeg wrote for the worker.</summary>
    private const int MaxChildren = 64;

    /// <summary>The encoder tag's box type, ©too: its first byte is not ASCII, so compared as bytes.</summary>
    private static readonly byte[] EncoderTag = [0xA9, (byte)'t', (byte)'o', (byte)'o'];

    /// <summary>An edit's rate of 1 (16.16 fixed point): played at normal speed.</summary>
    private const int NormalRate = 0x1_0000;

    /// <summary>
    /// The index's boxes as FFmpeg's MP4 muxer writes them, by parent: FFmpeg's demuxer applies any box it knows wherever
    /// it finds it (a pasp in stbl, an mvhd in a trak, a second avcC), so a file with any other is left to ffprobe. Only
    /// a track may repeat. The movie header comes first and user data after the tracks, as FFmpeg reads them in order.
    /// </summary>
    private static readonly Dictionary<string, HashSet<string>> IndexBoxes = new()
    {
        ["moov"] = ["mvhd", "trak", "udta"],
        ["trak"] = ["tkhd", "edts", "mdia"],
        ["edts"] = ["elst"],
        ["mdia"] = ["mdhd", "hdlr", "minf"],
        ["minf"] = ["vmhd", "smhd", "nmhd", "dinf", "stbl"],
        ["dinf"] = ["dref"],
        ["stbl"] = ["stsd", "stts", "stss", "ctts", "stsc", "stsz", "stco", "co64", "sgpd", "sbgp"],
        ["udta"] = ["meta"],
        ["meta"] = ["hdlr", "ilst"],
    };

    /// <summary>Whether every box of the index is one FFmpeg's muxer writes, where it writes it (<see cref="IndexBoxes"/>).</summary>
    public static bool IsLaidOutAsFFmpegWritesIt(byte[] file, Mp4Box moov)
    {
        // The allowed tree is at most five boxes deep, so this walk is bounded however the file nests its boxes.
        var containers = new Stack<Mp4Box>([moov]);
        while (containers.TryPop(out var container))
        {
            var body = container;
            if (container.Type == "meta")
            {
                // A full box, as MP4 has it (QuickTime's meta has no version and flags), starting with its handler.
                if (BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, container, 0, 4)) != 0)
                {
                    return false;
                }

                body = new Mp4Box(container.Type, container.Body + 4, container.End);
                if (Mp4Boxes.At(file, body.Body, body.End) is not { Type: "hdlr" })
                {
                    return false;
                }
            }

            var children = Mp4Boxes.Children(file, body).Take(MaxChildren + 1).ToList();
            if (children.Count > MaxChildren)
            {
                return false;
            }

            if (container.Type == "ilst")
            {
                // What -map_metadata -1 leaves: the encoder's name (©too) in one data box. FFmpeg reads any box it
                // knows inside other tags too (a cover picture, an esds, an mvhd).
                if (children is not [var tag] || !file.AsSpan(tag.Body - 4, 4).SequenceEqual(EncoderTag)
                    || Mp4Boxes.Children(file, tag).ToList() is not [{ Type: "data" }])
                {
                    return false;
                }

                continue;
            }

            var allowed = IndexBoxes[container.Type];
            if (children.Any(child => !allowed.Contains(child.Type))
                || children.Where(child => child.Type != "trak").GroupBy(child => child.Type).Any(same => same.Count() > 1)
                || (container.Type == "moov" && (children is not [{ Type: "mvhd" }, ..] || children.SkipWhile(child => child.Type != "udta").Any(child => child.Type == "trak"))))
            {
                return false;
            }

            foreach (var child in children.Where(child => IndexBoxes.ContainsKey(child.Type) || child.Type == "ilst"))
            {
                containers.Push(child);
            }
        }

        return true;
    }

    /// <summary>
    /// A track as FFmpeg writes it: headers of version 0 or 1, its samples in this file, sample tables that agree with
    /// each other and their counts, a plain edit list.
    /// </summary>
    public static bool IsPlainTrack(byte[] file, Mp4Box trak)
    {
        var mdia = Mp4Boxes.Only(file, trak, "mdia");
        var minf = Mp4Boxes.Only(file, mdia, "minf");
        var stbl = Mp4Boxes.Only(file, minf, "stbl");
        return Mp4Boxes.Version(file, Mp4Boxes.Only(file, trak, "tkhd")) <= 1 && Mp4Boxes.Version(file, Mp4Boxes.Only(file, mdia, "mdhd")) <= 1
            && IsSelfContained(file, minf) && TablesHoldTheirEntries(file, stbl) && ChunksHoldEverySample(file, stbl) && IsPlainEditList(file, trak);
    }

    /// <summary>The track's samples are in this file: one data reference, "url " with the self-contained flag.</summary>
    private static bool IsSelfContained(byte[] file, Mp4Box minf)
    {
        var dref = Mp4Boxes.Only(file, Mp4Boxes.Only(file, minf, "dinf"), "dref");
        var entries = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, dref, 4, 4));
        var entry = Mp4Boxes.At(file, dref.Body + 8, dref.End);
        return entries == 1 && entry is { Type: "url " } && entry.End == dref.End
               && BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, entry, 0, 4)) == 1;
    }

    /// <summary>
    /// The sample-to-chunk table (stsc) agrees with the chunk offsets (exactly one of stco and co64) and the sample
    /// count: first chunk 1, rising, every run of chunks holding samples of the one description, none past the last chunk.
    /// </summary>
    private static bool ChunksHoldEverySample(byte[] file, Mp4Box stbl)
    {
        var offsets = Mp4Samples.ChunkOffsets(file, stbl);
        long chunks = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, offsets, 4, 4));
        var stsc = Mp4Boxes.Only(file, stbl, "stsc");
        var entries = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 4, 4));
        if (chunks == 0 || entries == 0 || entries > (uint)(stsc.Length / 12))
        {
            return false;
        }

        long samples = 0;
        for (var i = 0; i < (int)entries; i++)
        {
            long firstChunk = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 8 + i * 12, 4));
            long perChunk = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 12 + i * 12, 4));
            var description = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 16 + i * 12, 4));
            long nextFirst = i + 1 < entries ? BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsc, 20 + i * 12, 4)) : chunks + 1;
            if ((i == 0 && firstChunk != 1) || nextFirst <= firstChunk || nextFirst > chunks + 1 || perChunk == 0 || description != 1)
            {
                return false;
            }

            samples += (nextFirst - firstChunk) * perChunk;
        }

        return samples == BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, Mp4Boxes.Only(file, stbl, "stsz"), 8, 4));
    }

    /// <summary>
    /// Every sample table is exactly as long as its entry count says (FFmpeg refuses some that are not, or reads into
    /// the next box), and no sample is 2 GiB or more.
    /// </summary>
    private static bool TablesHoldTheirEntries(byte[] file, Mp4Box stbl)
    {
        var stsz = Mp4Boxes.Only(file, stbl, "stsz");
        var fixedSize = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 4, 4));
        long samples = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 8, 4));
        if (stsz.Length != 12 + (fixedSize == 0 ? samples * 4 : 0) || fixedSize > int.MaxValue)
        {
            return false;
        }

        for (var i = 0; fixedSize == 0 && i < samples; i++)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 12 + i * 4, 4)) > int.MaxValue)
            {
                return false;
            }
        }

        // Each table: its entries' size, and where its count is (version and flags first; sbgp's grouping type before).
        (string Type, int EntrySize, int CountAt)[] tables =
            [("stts", 8, 4), ("stsc", 12, 4), ("stco", 4, 4), ("co64", 8, 4), ("ctts", 8, 4), ("stss", 4, 4), ("sbgp", 8, 8)];
        foreach (var (type, entrySize, countAt) in tables)
        {
            if (Mp4Boxes.Child(file, stbl, type) is { } table
                && (Mp4Boxes.Version(file, table) > (type == "ctts" ? 1 : 0) // ctts 1: signed offsets
                    || table.Length != countAt + 4 + (long)BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, table, countAt, 4)) * entrySize))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// No edit list, or one as FFmpeg writes it: an optional empty edit (a start delay), then one edit at normal
    /// speed from a time inside the media. Anything else would change what plays, and when (a longer list throws: a
    /// damaged or foreign file, which the caller leaves to ffprobe).
    /// </summary>
    private static bool IsPlainEditList(byte[] file, Mp4Box trak) =>
        Mp4EditList.Of(file, trak) is null or [{ MediaTime: >= 0, Rate: NormalRate }] or [{ IsEmpty: true }, { MediaTime: >= 0, Rate: NormalRate }];
}
