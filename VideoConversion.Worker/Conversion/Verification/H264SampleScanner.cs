using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Reads the NAL unit headers of an H.264 track's samples in an MP4, as far as ffprobe reads a file (its first 50 MiB):
/// every unit's length must land on its sample's end, every slice must refer to a picture parameter set of the index,
/// and parameter sets in the samples must be the index's own, byte for byte (a decoder would take a different one up).
/// Only the headers are read, not the pictures.
/// </summary>
public sealed class H264SampleScanner(FileStream stream, IReadOnlyList<(long Offset, long Size)> mediaBoxes)
{
    /// <summary>ffprobe's reach with the worker's probe settings (-probesize 50M): samples past it, ffprobe does not read either.</summary>
    private const long ProbeWindowBytes = 50L * 1024 * 1024;

    private const int MaxNalUnitsPerSample = 1_000;

    /// <summary>NAL unit types a sample may hold besides slices and parameter sets: SEI, access unit delimiter, end of sequence or stream, filler.</summary>
    private static readonly HashSet<int> OtherNalTypes = [6, 9, 10, 11, 12];

    /// <returns>False when a sample holds anything else, or lies outside the media data.</returns>
    public bool HoldOnlySlicesOf(byte[] file, Mp4Box stbl, AvcDecoderConfiguration configuration)
    {
        var header = new byte[configuration.NalLengthSize + 4];
        long? windowEnd = null;
        var sawSlice = false;
        foreach (var (offset, size) in Samples(file, stbl))
        {
            windowEnd ??= offset + ProbeWindowBytes;
            if (offset > windowEnd)
            {
                break;
            }

            if (size <= 0 || !mediaBoxes.Any(box => offset >= box.Offset + 8 && offset <= box.Offset + box.Size && size <= box.Offset + box.Size - offset))
            {
                return false; // outside every mdat's body
            }

            if (!HoldsOnlySlicesOf(offset, size, configuration, header, ref sawSlice))
            {
                return false;
            }
        }

        return sawSlice;
    }

    private bool HoldsOnlySlicesOf(long offset, long size, AvcDecoderConfiguration configuration, byte[] header, ref bool sawSlice)
    {
        var lengthSize = configuration.NalLengthSize;
        var end = offset + size;
        var at = offset;
        for (var units = 0; at < end; units++)
        {
            // The length and up to four bytes of the unit: its header and the start of a slice's header.
            var read = (int)Math.Min(header.Length, end - at);
            if (units == MaxNalUnitsPerSample || read <= lengthSize)
            {
                return false;
            }

            stream.Position = at;
            stream.ReadExactly(header, 0, read);
            long length = 0;
            for (var i = 0; i < lengthSize; i++)
            {
                length = (length << 8) | header[i];
            }

            if (length < 1 || length > end - at - lengthSize)
            {
                return false;
            }

            var nal = header.AsSpan(lengthSize, (int)Math.Min(length, read - lengthSize));
            if ((nal[0] & 0x80) != 0)
            {
                return false; // forbidden_zero_bit: a damaged unit, which decoders skip
            }

            switch (nal[0] & 0x1F)
            {
                case 1 or 5:
                    // slice_header: first_mb_in_slice, slice_type, pic_parameter_set_id (7.3.3).
                    var bits = new BitReader(nal[1..]);
                    bits.UnsignedExpGolomb();
                    bits.UnsignedExpGolomb();
                    if (!configuration.PictureParameterSetIds.Contains((int)bits.UnsignedExpGolomb()))
                    {
                        return false;
                    }

                    sawSlice = true;
                    break;
                case 7 or 8:
                    // Parameter sets repeated in the stream (MPEG-TS carries them at every keyframe): only the index's own.
                    if (length > ushort.MaxValue)
                    {
                        return false; // longer than an avcC can hold a parameter set
                    }

                    var unit = new byte[length];
                    stream.Position = at + lengthSize;
                    stream.ReadExactly(unit);
                    if (!unit.AsSpan().SequenceEqual(configuration.SpsBytes) && !configuration.PpsBytes.Any(pps => unit.AsSpan().SequenceEqual(pps)))
                    {
                        return false;
                    }

                    break;
                case var type when !OtherNalTypes.Contains(type):
                    return false;
            }

            at += lengthSize + length;
        }

        return true;
    }

    /// <summary>Each sample's place in the file, in decoding order: the chunks' offsets (stco or co64), samples per chunk (stsc) and sizes (stsz).</summary>
    private static IEnumerable<(long Offset, long Size)> Samples(byte[] file, Mp4Box stbl)
    {
        var stsz = Mp4Boxes.Only(file, stbl, "stsz");
        long fixedSize = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 4, 4));
        var sampleCount = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 8, 4));
        var offsets = Mp4Boxes.Child(file, stbl, "stco") ?? Mp4Boxes.Only(file, stbl, "co64");
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
}
