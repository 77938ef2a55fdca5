using System.Buffers.Binary;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Reads the NAL unit headers of an H.264 track's samples in an MP4, as far as ffprobe reads a file (50 MiB of
/// samples): every unit's length must land on its sample's end, every slice must refer to a picture parameter set of
/// the index, parameter sets in the samples must be the index's own, byte for byte (a decoder would take a different
/// one up), and SEI messages only those that change nothing ffprobe reports. Only the headers are read, not the pictures.
/// </summary>
public sealed class H264SampleScanner(FileStream stream, IReadOnlyList<(long Offset, long Size)> mediaBoxes)
{
    /// <summary>ffprobe's reach with the worker's probe settings (-probesize 50M), counted in samples' bytes: samples past it, ffprobe does not read either.</summary>
    private const long ProbeWindowBytes = 50L * 1024 * 1024;

    private const int MaxNalUnitsPerSample = 1_000;

    /// <summary>
    /// Units read in a file at most. Each unit's header is a read of its own: real files hold a few units a frame (an
    /// hour at 30 fps, the whole of it, in less), but samples cut into millions of tiny units would hold the worker's
    /// CPU for seconds, outside any process's limits. A file with more is left to ffprobe, whose run is limited in time
    /// and memory. Counted, not timed, so that a file reads the same on any machine under any load.
    /// </summary>
    private const int MaxUnitsScanned = 500_000;

    /// <summary>Sample bytes and units read so far in this file, over all its video tracks (ffprobe's reach is the file's).</summary>
    private long _scannedBytes, _scannedUnits;

    /// <summary>Bytes read of each unit: its header, and enough of a slice's header for its first three fields at any picture size.</summary>
    private const int SliceHeaderBytes = 12;

    /// <summary>The longest parameter set or SEI read whole: an avcC's own limit.</summary>
    private const int MaxWholeUnitBytes = ushort.MaxValue;

    /// <summary>NAL unit types a sample may hold besides slices, parameter sets and SEI: access unit delimiter, end of sequence or stream, filler.</summary>
    private static readonly HashSet<int> OtherNalTypes = [9, 10, 11, 12];

    /// <summary>
    /// SEI messages that change nothing ffprobe reports: buffering period, picture timing (no pic_struct: the SPS is
    /// refused with it), registered user data (captions), unregistered user data (x264's settings), recovery point.
    /// Others, such as alternative transfer characteristics (147), would.
    /// </summary>
    private static readonly HashSet<int> HarmlessSeiTypes = [0, 1, 4, 5, 6];

    /// <summary>Whether <paramref name="size"/> bytes from <paramref name="offset"/> lie inside one mdat's body (past its 8-byte header).</summary>
    public bool IsInMedia(long offset, long size) =>
        size > 0 && mediaBoxes.Any(box => offset >= box.Offset + 8 && offset <= box.Offset + box.Size && size <= box.Offset + box.Size - offset);

    /// <returns>False when a sample holds anything else, or lies outside the media data.</returns>
    public bool HoldOnlySlicesOf(byte[] file, Mp4Box stbl, AvcDecoderConfiguration configuration)
    {
        var header = new byte[configuration.NalLengthSize + SliceHeaderBytes];
        var sawSlice = false;
        foreach (var (offset, size) in Mp4Samples.Places(file, stbl))
        {
            if (_scannedBytes > ProbeWindowBytes)
            {
                break;
            }

            _scannedBytes += size; // every sample lies inside an mdat: Mp4Index checked the whole table before
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
            // The length and the first bytes of the unit: its header and the start of a slice's header.
            var read = (int)Math.Min(header.Length, end - at);
            if (units == MaxNalUnitsPerSample || read <= lengthSize || ++_scannedUnits > MaxUnitsScanned)
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
                    var parameterSet = ReadUnit(at + lengthSize, length);
                    if (parameterSet is null || (!parameterSet.AsSpan().SequenceEqual(configuration.SpsBytes)
                                                 && !configuration.PpsBytes.Any(pps => parameterSet.AsSpan().SequenceEqual(pps))))
                    {
                        return false;
                    }

                    break;
                case 6:
                    if (ReadUnit(at + lengthSize, length) is not { } sei || !HoldsOnlyHarmlessMessages(sei))
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

    private byte[]? ReadUnit(long offset, long length)
    {
        if (length > MaxWholeUnitBytes)
        {
            return null;
        }

        var unit = new byte[length];
        stream.Position = offset;
        stream.ReadExactly(unit);
        return unit;
    }

    /// <summary>An SEI unit's messages (7.3.2.3): each type and size coded as runs of 0xFF and a last byte, then its payload.</summary>
    private static bool HoldsOnlyHarmlessMessages(byte[] sei)
    {
        var payload = H264Rbsp.Payload(sei.AsSpan(1));
        var at = 0;
        while (at < payload.Length && !(at == payload.Length - 1 && payload[at] == 0x80)) // up to the stop bit
        {
            var type = 0;
            while (at < payload.Length && payload[at] == 0xFF)
            {
                type += 255;
                at++;
            }

            var size = 0;
            if (at + 1 >= payload.Length)
            {
                return false;
            }

            type += payload[at++];
            while (at < payload.Length && payload[at] == 0xFF)
            {
                size += 255;
                at++;
            }

            if (at >= payload.Length)
            {
                return false;
            }

            size += payload[at++];
            if (!HarmlessSeiTypes.Contains(type) || size > payload.Length - at)
            {
                return false;
            }

            at += size;
        }

        return true;
    }
}
