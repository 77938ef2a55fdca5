using System.Buffers.Binary;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Reads what the output check needs from an MP4's own index (its moov box) in process, without starting ffprobe:
/// the duration, and for each track its kind, codec and, from the codec's stored configuration (H.264's sequence
/// parameter set, AAC's AudioSpecificConfig), what a decoder would report: profile, level, pixel format, picture size,
/// aspect ratio, transfer function, rotation, frames, channels and sample rate. The media data is not read.
/// </summary>
/// <remarks>
/// Only what the index states for certain is reported; a file it cannot account for whole (pictures that may be fields,
/// a fragmented or damaged file, a cover picture, a codec other than H.264 and AAC) reads as null, and the caller asks
/// ffprobe instead.
/// </remarks>
public static class Mp4Index
{
    /// <summary>The name ffprobe gives the demuxer of every ISO base media file (MP4, MOV, 3GP).</summary>
    public const string FormatName = "mov,mp4,m4a,3gp,3g2,mj2";

    /// <summary>A moov larger than this is left to ffprobe: a day of video indexes in far less.</summary>
    private const long MaxIndexBytes = 64L * 1024 * 1024;

    /// <returns>The file as ffprobe would describe it; null when the index does not state all of it.</returns>
    public static MediaInfo? TryRead(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var boxes = Mp4Boxes.TopLevel(stream).Take(16).ToList();
            if (boxes is not [("ftyp", _, _), ..] || boxes.Any(box => box.Type == "moof"))
            {
                return null;
            }

            var (_, offset, size) = boxes.FirstOrDefault(box => box.Type == "moov");
            if (size is 0 or > MaxIndexBytes)
            {
                return null;
            }

            return Read(Mp4Boxes.Read(stream, offset, size));
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static MediaInfo? Read(byte[] file)
    {
        var moov = Mp4Boxes.At(file, 0, file.Length)!;
        if (Mp4Boxes.Child(file, moov, "mvex") is not null || HasCoverPicture(file, moov))
        {
            return null; // fragments elsewhere in the file, or a cover picture ffprobe would list as a stream
        }

        var mvhd = Mp4Boxes.Child(file, moov, "mvhd") ?? throw new InvalidDataException("no mvhd box");
        var duration = Duration(file, mvhd, timescaleAt: 12, durationAt: 16);

        List<StreamInfo> streams = [];
        foreach (var trak in Mp4Boxes.Children(file, moov).Where(box => box.Type == "trak"))
        {
            if (ReadTrack(file, trak, streams.Count) is not { } stream)
            {
                return null;
            }

            streams.Add(stream);
        }

        return new MediaInfo(FormatName, duration, streams);
    }

    /// <returns>The track's stream; null when its codec's configuration leaves something open.</returns>
    private static StreamInfo? ReadTrack(byte[] file, Mp4Box trak, int index)
    {
        var tkhd = Mp4Boxes.Child(file, trak, "tkhd") ?? throw new InvalidDataException("no tkhd box");
        var mdia = Mp4Boxes.Child(file, trak, "mdia") ?? throw new InvalidDataException("no mdia box");
        var mdhd = Mp4Boxes.Child(file, mdia, "mdhd") ?? throw new InvalidDataException("no mdhd box");
        var hdlr = Mp4Boxes.Child(file, mdia, "hdlr") ?? throw new InvalidDataException("no hdlr box");
        var handler = System.Text.Encoding.ASCII.GetString(file, hdlr.Body + 8, 4); // version and flags, pre_defined
        var stbl = Mp4Boxes.Child(file, Mp4Boxes.Child(file, mdia, "minf") ?? throw new InvalidDataException("no minf box"), "stbl")
            ?? throw new InvalidDataException("no stbl box");
        var stsd = Mp4Boxes.Child(file, stbl, "stsd") ?? throw new InvalidDataException("no stsd box");
        if (BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(stsd.Body + 4)) != 1)
        {
            return null; // more than one sample description: the codec may change midway
        }

        var entry = Mp4Boxes.At(file, stsd.Body + 8, stsd.End) ?? throw new InvalidDataException("no sample entry");
        var stream = new StreamInfo
        {
            Index = index,
            Kind = StreamKind.Other,
            Duration = Duration(file, mdhd, timescaleAt: 12, durationAt: 16),
            FrameCount = SampleCount(file, stbl),
        };

        return handler switch
        {
            "vide" => entry.Type is "avc1" or "avc3" ? Video(file, entry, tkhd, stream) : null,
            "soun" => entry.Type == "mp4a" ? Audio(file, entry, stream) : null,
            _ => stream,
        };
    }

    private static StreamInfo? Video(byte[] file, Mp4Box entry, Mp4Box tkhd, StreamInfo stream)
    {
        // A visual sample entry: 6 reserved, data reference index, 16 reserved, width, height, then 50 more bytes before its boxes.
        const int boxesAt = 78;
        var avcC = Mp4Boxes.Child(file, entry.Body + boxesAt, entry.End, "avcC") ?? throw new InvalidDataException("no avcC box");
        var sps = H264SequenceParameters.FromAvcC(file.AsSpan(avcC.Body, avcC.Length));
        if (!sps.FrameMbsOnly)
        {
            return null; // whether the pictures are fields or frames is in each slice, not in the index
        }

        // The container's pixel aspect ratio (pasp) is what players, and ffprobe, go by before the stream's own.
        var aspectRatio = Mp4Boxes.Child(file, entry.Body + boxesAt, entry.End, "pasp") is { } pasp
            && BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pasp.Body)) is var horizontal and > 0
            && BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pasp.Body + 4)) is var vertical and > 0
                ? (double)horizontal / vertical
                : sps.SampleAspectRatio ?? 1;

        return stream with
        {
            Kind = StreamKind.Video,
            CodecName = "h264",
            Profile = sps.ProfileName,
            Level = sps.LevelIdc,
            PixelFormat = sps.PixelFormatName,
            Width = sps.Width,
            Height = sps.Height,
            SampleAspectRatio = aspectRatio,
            FieldOrder = "progressive",
            ColorTransfer = TransferName(TransferCharacteristics(file, entry.Body + boxesAt, entry.End, sps)),
            Rotation = Rotation(file, tkhd),
        };
    }

    private static StreamInfo? Audio(byte[] file, Mp4Box entry, StreamInfo stream)
    {
        // An audio sample entry: 6 reserved, data reference index, then a version (QuickTime's 1 and 2 add 16 and 36 bytes).
        var version = BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(entry.Body + 8));
        var boxesAt = version switch { 0 => 28, 1 => 44, 2 => 64, _ => throw new InvalidDataException("an unknown sound description version") };
        var esds = Mp4Boxes.Child(file, entry.Body + boxesAt, entry.End, "esds") ?? throw new InvalidDataException("no esds box");
        var config = AacAudioConfig.FromEsds(file.AsSpan(esds.Body, esds.Length));
        if (!config.IsAac || config.Channels == 0)
        {
            return null;
        }

        return stream with
        {
            Kind = StreamKind.Audio,
            CodecName = "aac",
            // FFmpeg's names for the AAC object types.
            Profile = config.AudioObjectType switch { 1 => "Main", 2 => "LC", 3 => "SSR", 4 => "LTP", 5 => "HE-AAC", 29 => "HE-AACv2", 23 => "LD", 39 => "ELD", _ => null },
            Channels = config.Channels,
            SampleRate = config.SampleRate,
        };
    }

    /// <summary>
    /// The transfer function, from the stream's VUI or the container's colour box (nclx/nclc): high dynamic range if
    /// either says so, since a player may go by either.
    /// </summary>
    private static int? TransferCharacteristics(byte[] file, int boxesStart, int boxesEnd, H264SequenceParameters sps)
    {
        var container = Mp4Boxes.Child(file, boxesStart, boxesEnd, "colr") is { } colr && colr.Length >= 10
            && System.Text.Encoding.ASCII.GetString(file, colr.Body, 4) is "nclx" or "nclc"
                ? BinaryPrimitives.ReadUInt16BigEndian(file.AsSpan(colr.Body + 6))
                : (int?)null;
        return container is 16 or 18 ? container : sps.TransferCharacteristics ?? container;
    }

    /// <summary>FFmpeg's names for the transfer functions the check tells apart; the rest are not high dynamic range.</summary>
    private static string? TransferName(int? transfer) => transfer switch
    {
        1 => "bt709",
        16 => "smpte2084",
        18 => "arib-std-b67",
        null or 2 => null,
        _ => "other",
    };

    /// <summary>
    /// Degrees the picture turns for display, 0 to 359, from the track's matrix as FFmpeg reads it
    /// (av_display_rotation_get: the angle of its first column, turned the other way).
    /// </summary>
    private static int Rotation(byte[] file, Mp4Box tkhd)
    {
        // tkhd: version and flags, then times, track ID, durations (wider in version 1), layer, group, volume, reserved, the matrix.
        var matrix = tkhd.Body + (Mp4Boxes.Version(file, tkhd) == 1 ? 52 : 40);
        double a = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(matrix));
        double b = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(matrix + 4));
        double c = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(matrix + 12));
        double d = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(matrix + 16));
        var columnA = Math.Sqrt(a * a + c * c);
        var columnB = Math.Sqrt(b * b + d * d);
        if (columnA == 0 || columnB == 0)
        {
            return 0;
        }

        var degrees = -Math.Atan2(b / columnB, a / columnA) * 180 / Math.PI;
        var rounded = (int)Math.Round(degrees);
        return ((rounded % 360) + 360) % 360;
    }

    private static TimeSpan? Duration(byte[] file, Mp4Box box, int timescaleAt, int durationAt)
    {
        // Version 1 widens the creation and modification times and the duration to 64 bits.
        var wide = Mp4Boxes.Version(file, box) == 1;
        var timescale = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(box.Body + (wide ? timescaleAt + 8 : timescaleAt)));
        var duration = wide
            ? BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(box.Body + durationAt + 8))
            : BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(box.Body + durationAt));
        var unknown = wide ? ulong.MaxValue : uint.MaxValue;
        return timescale > 0 && duration > 0 && duration != unknown ? TimeSpan.FromSeconds((double)duration / timescale) : null;
    }

    /// <summary>The track's samples (frames, for video), as its sample size table counts them.</summary>
    private static long? SampleCount(byte[] file, Mp4Box stbl) =>
        (Mp4Boxes.Child(file, stbl, "stsz") ?? Mp4Boxes.Child(file, stbl, "stz2")) is { } sizes
            ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(sizes.Body + 8)) // version and flags, sample size (or reserved and field size)
            : null;

    private static bool HasCoverPicture(byte[] file, Mp4Box moov) =>
        Mp4Boxes.Child(file, moov, "udta") is { } udta
        && Mp4Boxes.Child(file, udta, "meta") is { } meta
        // meta is a full box: its children start after version and flags.
        && Mp4Boxes.Child(file, meta.Body + 4, meta.End, "ilst") is { } ilst
        && Mp4Boxes.Child(file, ilst, "covr") is not null;
}
