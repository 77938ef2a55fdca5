using System.Buffers.Binary;
using System.Globalization;

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
        var moov = Mp4Boxes.Child(file, 0, file.Length, "moov") ?? throw new InvalidDataException("no moov box");
        var trak = Mp4Boxes.Child(file, moov, "trak") ?? throw new InvalidDataException("no trak box");
        var mdia = Mp4Boxes.Child(file, trak, "mdia") ?? throw new InvalidDataException("no mdia box");
        var mdhd = Mp4Boxes.Child(file, mdia, "mdhd") ?? throw new InvalidDataException("no mdhd box");
        var timescale = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(mdhd.Body + (file[mdhd.Body] == 1 ? 20 : 12)));
        var stbl = Mp4Boxes.Child(file, Mp4Boxes.Child(file, mdia, "minf") ?? throw new InvalidDataException("no minf box"), "stbl")
            ?? throw new InvalidDataException("no stbl box");
        var stsd = Mp4Boxes.Child(file, stbl, "stsd") ?? throw new InvalidDataException("no stsd box");

        // stsd: version and flags, entry count, then the first sample entry.
        var entry = Mp4Boxes.At(file, stsd.Body + 8, stsd.End) ?? throw new InvalidDataException("no sample entry");
        if (entry.Type is "avc1" or "avc3")
        {
            // A visual sample entry: 6 reserved, data reference index, 16 reserved, width, height, then 50 more bytes before its boxes.
            var width = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 24));
            var height = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 26));
            var avcC = Mp4Boxes.Child(file, entry.Body + 78, entry.End, "avcC") ?? throw new InvalidDataException("no avcC box");
            // RFC 6381: avc1.PPCCLL, the profile, its constraint flags and the level, as the avcC box states them.
            var codec = string.Create(CultureInfo.InvariantCulture,
                $"{entry.Type}.{file[avcC.Body + 1]:x2}{file[avcC.Body + 2]:x2}{file[avcC.Body + 3]:x2}");
            return new Fmp4Track(timescale, codec, width, height);
        }

        if (entry.Type == "mp4a")
        {
            // An audio sample entry: the object type of AAC from its decoder config (esds), e.g. mp4a.40.2 for AAC-LC.
            var esds = Mp4Boxes.Child(file, entry.Body + 28, entry.End, "esds") ?? throw new InvalidDataException("no esds box");
            var config = AacAudioConfig.FromEsds(file.AsSpan(esds.Body, esds.Length));
            return config.IsAac
                ? new Fmp4Track(timescale, string.Create(CultureInfo.InvariantCulture, $"mp4a.40.{config.AudioObjectType}"), 0, 0)
                : throw new InvalidDataException($"audio of object type indication 0x{config.ObjectTypeIndication:x2}, not AAC");
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
        // Only the fragment headers are read into memory.
        foreach (var (_, at, size) in Mp4Boxes.TopLevel(stream).Where(box => box.Type == "moof"))
        {
            var file = Mp4Boxes.Read(stream, at, size);
            var box = Mp4Boxes.At(file, 0, file.Length)!;
            var traf = Mp4Boxes.Child(file, box, "traf") ?? throw new InvalidDataException("no traf box");
            var tfhd = Mp4Boxes.Child(file, traf, "tfhd") ?? throw new InvalidDataException("no tfhd box");
            var (defaultDuration, defaultFlags) = TrackFragmentDefaults(file, tfhd);
            if (start is null && Mp4Boxes.Child(file, traf, "tfdt") is { } tfdt)
            {
                start = file[tfdt.Body] == 1
                    ? (long)BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(tfdt.Body + 4))
                    : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(tfdt.Body + 4));
            }

            for (var trun = Mp4Boxes.Child(file, traf, "trun"); trun is not null; trun = Mp4Boxes.Next(file, trun, traf, "trun"))
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

    private static (uint? Duration, uint? Flags) TrackFragmentDefaults(byte[] file, Mp4Box tfhd)
    {
        var flags = Mp4Boxes.Flags(file, tfhd);
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

    private static (int Count, long Duration, uint FirstFlags, long FirstOffset) TrackRun(byte[] file, Mp4Box trun, uint? defaultDuration, uint? defaultFlags)
    {
        var flags = Mp4Boxes.Flags(file, trun);
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

}

/// <summary>An init segment's one track.</summary>
/// <param name="Codec">RFC 6381: "avc1.64001f" or "mp4a.40.2".</param>
/// <param name="Width">The picture's coded size; 0 for audio.</param>
public sealed record Fmp4Track(uint Timescale, string Codec, int Width, int Height);

/// <summary>A media segment's samples.</summary>
/// <param name="Start">When its first sample is shown, in seconds of the track's media time (tfdt plus its composition offset).</param>
/// <param name="StartsWithKeyframe">Whether its first sample needs no earlier one: a player can start or switch here.</param>
public sealed record Fmp4Fragment(double Start, double Duration, int Samples, bool StartsWithKeyframe, long Bytes);
