using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Reads what the HLS check needs from fragmented MP4 (CMAF) files without decoding them: an init segment's track
/// (timescale, codec string, picture size) and a media segment's fragment (start time, first sample a keyframe or
/// not, sample count and duration).
/// </summary>
public static class Fmp4Boxes
{
    /// <summary>The sample flag that marks a sample other samples depend on the past for (ISO/IEC 14496-12, 8.8.3.1).</summary>
    private const uint SampleIsNonSync = 0x0001_0000;

    /// <exception cref="InvalidDataException">The file is not an init segment of one track.</exception>
    public static Fmp4Track ReadInit(string path)
    {
        var file = File.ReadAllBytes(path);
        var moov = Child(file, 0, file.Length, "moov") ?? throw new InvalidDataException("no moov box");
        var trak = Child(file, moov, "trak") ?? throw new InvalidDataException("no trak box");
        var mdia = Child(file, trak, "mdia") ?? throw new InvalidDataException("no mdia box");
        var mdhd = Child(file, mdia, "mdhd") ?? throw new InvalidDataException("no mdhd box");
        var timescale = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mdhd.Body + (file[mdhd.Body] == 1 ? 20 : 12)));
        var stbl = Child(file, Child(file, mdia, "minf") ?? throw new InvalidDataException("no minf box"), "stbl")
            ?? throw new InvalidDataException("no stbl box");
        var stsd = Child(file, stbl, "stsd") ?? throw new InvalidDataException("no stsd box");

        // stsd: version and flags, entry count, then the first sample entry.
        var entry = BoxAt(file, stsd.Body + 8, stsd.End) ?? throw new InvalidDataException("no sample entry");
        if (entry.Type is "avc1" or "avc3")
        {
            // A visual sample entry: 6 reserved, data reference index, 16 reserved, width, height, then 50 more bytes before its boxes.
            var width = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 24));
            var height = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 26));
            var avcC = Child(file, entry.Body + 78, entry.End, "avcC") ?? throw new InvalidDataException("no avcC box");
            // RFC 6381: avc1.PPCCLL, the profile, its constraint flags and the level, as the avcC box states them.
            var codec = string.Create(CultureInfo.InvariantCulture,
                $"{entry.Type}.{file[avcC.Body + 1]:x2}{file[avcC.Body + 2]:x2}{file[avcC.Body + 3]:x2}");
            return new Fmp4Track(timescale, codec, width, height);
        }

        if (entry.Type == "mp4a")
        {
            // An audio sample entry: the object type of AAC from its decoder config (esds), e.g. mp4a.40.2 for AAC-LC.
            var esds = Child(file, entry.Body + 28, entry.End, "esds") ?? throw new InvalidDataException("no esds box");
            var objectType = AacObjectType(file.AsSpan(esds.Body, esds.End - esds.Body));
            return new Fmp4Track(timescale, string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{objectType}"), 0, 0);
        }

        throw new InvalidDataException($"sample entry '{entry.Type}' is neither H.264 nor AAC");
    }

    /// <summary>
    /// Reads only the fragment headers (moof) of a segment: the media data (mdat), nearly all of its bytes, is skipped,
    /// so checking a long stream does not read its whole output back.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a media segment.</exception>
    public static Fmp4Fragment ReadSegment(string path, Fmp4Track track)
    {
        using var stream = File.OpenRead(path);
        long? start = null;
        bool? startsWithKeyframe = null;
        long compositionOffset = 0;
        var samples = 0;
        long duration = 0;
        foreach (var moof in FragmentHeaders(stream))
        {
            var file = moof;
            var box = BoxAt(file, 0, file.Length)!;
            var traf = Child(file, box, "traf") ?? throw new InvalidDataException("no traf box");
            var tfhd = Child(file, traf, "tfhd") ?? throw new InvalidDataException("no tfhd box");
            var (defaultDuration, defaultFlags) = TrackFragmentDefaults(file, tfhd);
            if (start is null && Child(file, traf, "tfdt") is { } tfdt)
            {
                start = file[tfdt.Body] == 1
                    ? (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(tfdt.Body + 4))
                    : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(tfdt.Body + 4));
            }

            for (var trun = Child(file, traf, "trun"); trun is not null; trun = Next(file, trun, traf, "trun"))
            {
                var (count, runDuration, firstFlags, firstOffset) = TrackRun(file, trun, defaultDuration, defaultFlags);
                if (samples == 0 && count > 0)
                {
                    startsWithKeyframe = (firstFlags & SampleIsNonSync) == 0;
                    compositionOffset = firstOffset;
                }

                samples += count;
                duration += runDuration;
            }
        }

        if (start is null || samples == 0)
        {
            throw new InvalidDataException("no fragment with samples");
        }

        // Compared across renditions by when the first picture is shown: its decode time plus its composition offset.
        return new Fmp4Fragment(
            (double)(start.Value + compositionOffset) / track.Timescale, (double)duration / track.Timescale, samples, startsWithKeyframe ?? false, stream.Length);
    }

    /// <summary>Each top-level moof box of the file, whole (header included); every other box is skipped over.</summary>
    private static IEnumerable<byte[]> FragmentHeaders(FileStream stream)
    {
        var header = new byte[16];
        while (stream.Length - stream.Position >= 8)
        {
            var at = stream.Position;
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

            if (size < headerSize || at + size > stream.Length || size > int.MaxValue)
            {
                throw new InvalidDataException($"a box at {at} runs past the file");
            }

            if (Encoding.ASCII.GetString(header, 4, 4) == "moof")
            {
                var moof = new byte[size];
                stream.Position = at;
                stream.ReadExactly(moof);
                yield return moof;
            }

            stream.Position = at + size;
        }
    }

    private static (uint? Duration, uint? Flags) TrackFragmentDefaults(byte[] file, Box tfhd)
    {
        var flags = ReadFlags(file, tfhd.Body);
        var offset = tfhd.Body + 8; // version and flags, track ID
        offset += (flags & 0x01) != 0 ? 8 : 0; // base data offset
        offset += (flags & 0x02) != 0 ? 4 : 0; // sample description index
        uint? duration = null;
        if ((flags & 0x08) != 0)
        {
            duration = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
            offset += 4;
        }

        offset += (flags & 0x10) != 0 ? 4 : 0; // default sample size
        uint? sampleFlags = (flags & 0x20) != 0 ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset)) : null;
        return (duration, sampleFlags);
    }

    private static (int Count, long Duration, uint FirstFlags, long FirstOffset) TrackRun(byte[] file, Box trun, uint? defaultDuration, uint? defaultFlags)
    {
        var flags = ReadFlags(file, trun.Body);
        var signedOffsets = file[trun.Body] == 1;
        var count = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(trun.Body + 4));
        var offset = trun.Body + 8;
        offset += (flags & 0x001) != 0 ? 4 : 0; // data offset
        uint? firstFlags = null;
        if ((flags & 0x004) != 0)
        {
            firstFlags = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
            offset += 4;
        }

        long duration = 0;
        uint? sampleZeroFlags = null;
        long? sampleZeroOffset = null;
        for (var sample = 0; sample < count; sample++)
        {
            if ((flags & 0x100) != 0)
            {
                duration += BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
                offset += 4;
            }
            else
            {
                duration += defaultDuration ?? 0;
            }

            offset += (flags & 0x200) != 0 ? 4 : 0; // sample size
            if ((flags & 0x400) != 0)
            {
                sampleZeroFlags ??= BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
                offset += 4;
            }

            if ((flags & 0x800) != 0)
            {
                sampleZeroOffset ??= signedOffsets
                    ? BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(offset))
                    : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
                offset += 4;
            }
        }

        // The first sample's flags: its own, else the run's first-sample flags, else the fragment's default.
        return (count, duration, firstFlags ?? sampleZeroFlags ?? defaultFlags ?? SampleIsNonSync, sampleZeroOffset ?? 0);
    }

    /// <summary>
    /// The audio object type in an esds box's AudioSpecificConfig (its first five bits), found by walking the descriptors
    /// as ISO/IEC 14496-1 nests them: ES_Descriptor (tag 3) > DecoderConfigDescriptor (tag 4) > DecoderSpecificInfo (tag 5).
    /// </summary>
    private static int AacObjectType(ReadOnlySpan<byte> esds)
    {
        var body = esds[4..]; // version and flags
        var es = Descriptor(body, 0x03);
        var flags = es[2];
        var skip = 3 + ((flags & 0x80) != 0 ? 2 : 0) + ((flags & 0x20) != 0 ? 2 : 0); // ES_ID, flags, dependsOn, OCR ES_ID
        if ((flags & 0x40) != 0)
        {
            skip += 1 + es[skip]; // a URL, with its length first
        }

        // objectTypeIndication, streamType, bufferSizeDB (3), maxBitrate (4), avgBitrate (4), then its own descriptors.
        var config = Descriptor(es[skip..], 0x04);
        var specific = Descriptor(config[13..], 0x05);
        return specific[0] >> 3;
    }

    /// <summary>The body of the descriptor with <paramref name="tag"/> at the start of <paramref name="data"/> (a size of up to four bytes, 7 bits each).</summary>
    private static ReadOnlySpan<byte> Descriptor(ReadOnlySpan<byte> data, byte tag)
    {
        if (data.Length < 2 || data[0] != tag)
        {
            throw new InvalidDataException($"esds: descriptor {tag} expected");
        }

        var size = 0;
        var at = 1;
        do
        {
            size = (size << 7) | (data[at] & 0x7F);
        }
        while ((data[at++] & 0x80) != 0 && at < 5);

        return at + size <= data.Length ? data.Slice(at, size) : throw new InvalidDataException($"esds: descriptor {tag} runs past its box");
    }

    private static uint ReadFlags(byte[] file, int body) => BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(body)) & 0x00FF_FFFF;

    private static Box? Child(byte[] file, Box parent, string type) => Child(file, parent.Body, parent.End, type);

    private static Box? Child(byte[] file, int start, int end, string type)
    {
        for (var box = BoxAt(file, start, end); box is not null; box = BoxAt(file, box.End, end))
        {
            if (box.Type == type)
            {
                return box;
            }
        }

        return null;
    }

    private static Box? Next(byte[] file, Box after, Box parent, string type) => Child(file, after.End, parent.End, type);

    private static Box? BoxAt(byte[] file, int offset, int end)
    {
        if (end - offset < 8)
        {
            return null;
        }

        var size = (long)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset));
        var header = 8;
        if (size == 1 && end - offset >= 16)
        {
            size = (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(offset + 8));
            header = 16;
        }
        else if (size == 0)
        {
            size = end - offset; // to the end of its container
        }

        if (size < header || offset + size > end)
        {
            throw new InvalidDataException($"a box at {offset} runs past its container");
        }

        return new Box(Encoding.ASCII.GetString(file, offset + 4, 4), offset + header, (int)(offset + size));
    }

    private sealed record Box(string Type, int Body, int End);
}

/// <summary>An init segment's one track.</summary>
/// <param name="Codec">RFC 6381: "avc1.64001f" or "mp4a.40.2".</param>
/// <param name="Width">The picture's coded size; 0 for audio.</param>
public sealed record Fmp4Track(uint Timescale, string Codec, int Width, int Height);

/// <summary>A media segment's samples.</summary>
/// <param name="Start">When its first sample is shown, in seconds of the track's media time (tfdt plus its composition offset).</param>
/// <param name="StartsWithKeyframe">Whether its first sample needs no earlier one: a player can start or switch here.</param>
public sealed record Fmp4Fragment(double Start, double Duration, int Samples, bool StartsWithKeyframe, long Bytes);
