using System.Buffers.Binary;
using System.Text;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Reads what the output check, and a remux's plan, need from an MP4's own index (its moov box) in process, without
/// starting ffprobe: the duration, and for each track its kind, codec and, from the codec's stored configuration (H.264's
/// parameter sets, AAC's AudioSpecificConfig), what a decoder would report: profile, level, pixel format, picture size,
/// aspect ratio, transfer function, rotation, frames, channels and sample rate; and from the track's headers whether it
/// plays by default, when it starts and, for video at a constant rate, its frame rate. Of the media data it reads the
/// video samples' NAL unit headers only, as far as ffprobe would read (<see cref="H264SampleScanner"/>).
/// </summary>
/// <remarks>
/// The outputs it reads are the worker's own: FFmpeg's muxer wrote the container, and each stream was either encoded by
/// this run or copied from an input judged browser-safe on the same parameter sets and first frames. Uploads are
/// anyone's (<see cref="TryReadUpload"/>). It answers only for files laid out exactly as FFmpeg's MP4 muxer writes them,
/// so that no file, made by hand or not, passes here what ffprobe would fail: boxes FFmpeg writes and no others, where it writes them, each once; one SPS
/// within FFmpeg's limits and its PPSs; sizes, matrices and edit lists that agree with the stream; AAC that says it has
/// no SBR; samples of slices of those PPSs. Anything else (pictures that may be fields, a fragmented or damaged file,
/// a cover picture, a codec other than H.264 and AAC) reads as null, and the caller asks ffprobe instead.
/// </remarks>
public static class Mp4Index
{
    /// <summary>The name ffprobe gives the demuxer of every ISO base media file (MP4, MOV, 3GP).</summary>
    public const string FormatName = "mov,mp4,m4a,3gp,3g2,mj2";

    /// <summary>A moov larger than this is left to ffprobe: a day of video indexes in far less.</summary>
    private const long MaxIndexBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The largest moov of an upload read here, into the worker's own memory (ffprobe's memory is capped apart): some
    /// five hours of 30 fps video with its audio index in this much. A larger one is left to ffprobe.
    /// </summary>
    private const long MaxUploadIndexBytes = 16L * 1024 * 1024;

    /// <summary>tkhd's flag for a track that plays (FFmpeg's demuxer reads it as the stream's default disposition).</summary>
    private const uint TrackEnabled = 1;

    private const int MaxTopLevelBoxes = 64;

    /// <summary>16.16 fixed point 1, and 2.30 fixed point 1 (a matrix's last column).</summary>
    private const int One = 0x1_0000, OneOfW = 0x4000_0000;

    private static readonly HashSet<string> TopLevelBoxes = ["ftyp", "moov", "mdat", "free", "skip", "wide"];

    /// <summary>What FFmpeg's MP4 muxer writes in an H.264 sample entry; a box beyond these (fiel, clap, …) could change what a player shows.</summary>
    private static readonly HashSet<string> VideoEntryBoxes = ["avcC", "pasp", "btrt", "colr"];

    private static readonly HashSet<string> AudioEntryBoxes = ["esds", "btrt"];

    /// <param name="copiedAudio">
    /// The input's audio as ffprobe read it, when this run copied it: AAC-LC whose configuration does not rule SBR out
    /// (most encoders but FFmpeg's write two bytes) is LC still if ffprobe read these same frames as LC.
    /// </param>
    /// <returns>The file as ffprobe would describe it; null when the index does not state all of it.</returns>
    public static MediaInfo? TryRead(string path, StreamInfo? copiedAudio = null) => TryRead(path, copiedAudio, upload: false);

    /// <summary>
    /// An upload, as ffprobe would describe it for planning its conversion: everything <see cref="TryRead(string, StreamInfo?)"/>
    /// states, with every stream's start and duration known (<see cref="Mp4TrackTiming"/>), and only video and sound
    /// tracks; null otherwise.
    /// </summary>
    public static MediaInfo? TryReadUpload(string path) => TryRead(path, copiedAudio: null, upload: true);

    private static MediaInfo? TryRead(string path, StreamInfo? copiedAudio, bool upload)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            var boxes = Mp4Boxes.TopLevel(stream).Take(MaxTopLevelBoxes + 1).ToList();
            if (boxes is not [("ftyp", _, _), ..] || boxes.Count > MaxTopLevelBoxes
                || boxes.Any(box => !TopLevelBoxes.Contains(box.Type)) || boxes.Count(box => box.Type == "moov") != 1)
            {
                return null;
            }

            var (_, offset, size) = boxes.Single(box => box.Type == "moov");
            if (size > (upload ? MaxUploadIndexBytes : MaxIndexBytes))
            {
                return null;
            }

            var media = boxes.Where(box => box.Type == "mdat").Select(box => (box.Offset, box.Size)).ToList();
            return Read(Mp4Boxes.Read(stream, offset, size), new H264SampleScanner(stream, media), copiedAudio, upload);
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or ArgumentException
                                              or IndexOutOfRangeException or OverflowException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static MediaInfo? Read(byte[] file, H264SampleScanner samples, StreamInfo? copiedAudio, bool upload)
    {
        var moov = Mp4Boxes.At(file, 0, file.Length)!;
        if (!Mp4MuxerLayout.IsLaidOutAsFFmpegWritesIt(file, moov))
        {
            return null;
        }

        var mvhd = Mp4Boxes.Only(file, moov, "mvhd");
        if (Mp4Boxes.Version(file, mvhd) > 1)
        {
            return null;
        }

        var wide = Mp4Boxes.Version(file, mvhd) == 1;
        // mvhd: version and flags, times, timescale and duration (wider in version 1), rate, volume, reserved, then the
        // movie's matrix, which FFmpeg applies to every track.
        var movieTimescale = Mp4TrackTiming.Timescale(file, mvhd);
        if (!IsIdentity(Matrix(file, mvhd, wide ? 48 : 36)) || movieTimescale is null
            || Mp4TrackTiming.MediaDuration(file, mvhd, movieTimescale.Value) is not { } duration)
        {
            return null;
        }

        List<StreamInfo> streams = [];
        foreach (var trak in Mp4Boxes.Children(file, moov).Where(box => box.Type == "trak"))
        {
            if (ReadTrack(file, trak, streams.Count, samples, copiedAudio, upload, movieTimescale.Value) is not { } stream)
            {
                return null;
            }

            streams.Add(stream);
        }

        return new MediaInfo(FormatName, duration, streams);
    }

    /// <returns>The track's stream; null when its configuration leaves something open.</returns>
    private static StreamInfo? ReadTrack(
        byte[] file, Mp4Box trak, int index, H264SampleScanner samples, StreamInfo? copiedAudio, bool upload, uint movieTimescale)
    {
        var tkhd = Mp4Boxes.Only(file, trak, "tkhd");
        var mdia = Mp4Boxes.Only(file, trak, "mdia");
        var mdhd = Mp4Boxes.Only(file, mdia, "mdhd");
        var hdlr = Mp4Boxes.Only(file, mdia, "hdlr");
        var handler = Encoding.ASCII.GetString(Mp4Boxes.Field(file, hdlr, 8, 4)); // version and flags, pre_defined
        var stbl = Mp4Boxes.Only(file, Mp4Boxes.Only(file, mdia, "minf"), "stbl");
        if (!Mp4MuxerLayout.IsPlainTrack(file, trak) || Mp4Samples.Places(file, stbl).Any(sample => !samples.IsInMedia(sample.Offset, sample.Size)))
        {
            return null;
        }

        var stsd = Mp4Boxes.Only(file, stbl, "stsd");
        if (BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsd, 4, 4)) != 1)
        {
            return null; // more than one sample description: the codec may change midway
        }

        var entry = Mp4Boxes.At(file, stsd.Body + 8, stsd.End) ?? throw new InvalidDataException("no sample entry");
        if (BinaryPrimitives.ReadUInt16BigEndian(Mp4Boxes.Field(file, entry, 6, 2)) != 1)
        {
            return null; // samples described by another data reference than the file itself
        }

        var frames = SampleCount(file, stbl);
        if (frames is null || Mp4TrackTiming.Timescale(file, mdhd) is not { } timescale)
        {
            return null;
        }

        // An upload's plan measures its length from its streams' starts and durations: they must be known. (An output's
        // check reads the container's duration.)
        var timing = Mp4TrackTiming.Of(file, trak, mdhd, timescale, stbl, isAudio: handler == "soun", movieTimescale);
        if (upload && timing is null)
        {
            return null;
        }

        var frameRate = handler == "vide" ? ConstantFrameRate(file, stbl, timescale) : null;
        var stream = new StreamInfo
        {
            Index = index,
            Kind = StreamKind.Other,
            StartTime = timing?.Start ?? TimeSpan.Zero,
            Duration = timing?.Duration ?? Mp4TrackTiming.MediaDuration(file, mdhd, timescale),
            FrameCount = frames,
            IsDefault = (Mp4Boxes.Flags(file, tkhd) & TrackEnabled) != 0,
            AverageFrameRate = frameRate,
            BaseFrameRate = frameRate,
        };
        return handler switch
        {
            "vide" => entry.Type == "avc1" && frames > 0 ? Video(file, entry, tkhd, stbl, stream, samples) : null,
            "soun" => entry.Type == "mp4a" ? Audio(file, entry, stream, copiedAudio) : null,
            // FFmpeg's demuxer tells a stream's kind by its sample entry, not by the handler: a track of another handler
            // could be sound or video to it. No upload of one is planned from here; an output with one fails its check.
            _ => upload ? null : stream,
        };
    }

    private static StreamInfo? Video(byte[] file, Mp4Box entry, Mp4Box tkhd, Mp4Box stbl, StreamInfo stream, H264SampleScanner samples)
    {
        // A visual sample entry: 6 reserved, data reference index, 16 reserved, width, height, then 50 more bytes before its boxes.
        const int boxesAt = 78;
        var entryWidth = BinaryPrimitives.ReadUInt16BigEndian(Mp4Boxes.Field(file, entry, 24, 2));
        var entryHeight = BinaryPrimitives.ReadUInt16BigEndian(Mp4Boxes.Field(file, entry, 26, 2));
        // 24-bit colour and no colour table (-1), as FFmpeg writes them: a palette would be read from the bytes after.
        if (BinaryPrimitives.ReadUInt16BigEndian(Mp4Boxes.Field(file, entry, 74, 2)) != 0x18
            || BinaryPrimitives.ReadInt16BigEndian(Mp4Boxes.Field(file, entry, 76, 2)) != -1)
        {
            return null;
        }

        var boxes = Mp4Boxes.Children(file, new Mp4Box(entry.Type, entry.Body + boxesAt, entry.End)).ToList();
        if (boxes.Any(box => !VideoEntryBoxes.Contains(box.Type)) || boxes.GroupBy(box => box.Type).Any(same => same.Count() > 1)
            || boxes.Any(box => box.Type == "btrt" && box.Length != 12))
        {
            return null;
        }

        var avcC = boxes.SingleOrDefault(box => box.Type == "avcC") ?? throw new InvalidDataException("no avcC box");
        var configuration = AvcDecoderConfiguration.Read(file.AsSpan(avcC.Body, avcC.Length));
        var sps = configuration.Sps;
        var (tkhdWidth, tkhdHeight, rotation) = TrackGeometry(file, tkhd);
        // Whether pictures are fields or frames is in each slice, not in the index; and every size must agree, since
        // FFmpeg crops to the sample entry's and derives a pixel shape from the track header's.
        if (!sps.FrameMbsOnly || rotation is null || entryWidth != sps.Width || entryHeight != sps.Height
            || tkhdWidth != (long)sps.Width * One || tkhdHeight != (long)sps.Height * One)
        {
            return null;
        }

        var colour = boxes.SingleOrDefault(box => box.Type == "colr") is { } colr ? Colour(file, colr) : (FullRange: false, Transfer: (int?)null);
        if (colour.FullRange || (colour.Transfer is { } boxed && sps.TransferCharacteristics is { } coded && boxed != coded))
        {
            return null; // a range or transfer function the stream does not state the same way
        }

        double aspectRatio = sps.SampleAspectRatio ?? 1;
        if (boxes.SingleOrDefault(box => box.Type == "pasp") is { } pasp)
        {
            var horizontal = BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, pasp, 0, 4));
            var vertical = BinaryPrimitives.ReadInt32BigEndian(Mp4Boxes.Field(file, pasp, 4, 4));
            if (horizontal <= 0 || vertical <= 0 || Math.Abs((double)horizontal / vertical - aspectRatio) > 0.001)
            {
                return null; // the container's pixel shape differs from the stream's: players differ on which one counts
            }

            aspectRatio = (double)horizontal / vertical; // the one ffprobe reports
        }

        if (!samples.HoldOnlySlicesOf(file, stbl, configuration))
        {
            return null;
        }

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
            ColorTransfer = TransferName(colour.Transfer ?? sps.TransferCharacteristics),
            Rotation = rotation.Value,
        };
    }

    private static StreamInfo? Audio(byte[] file, Mp4Box entry, StreamInfo stream, StreamInfo? copiedAudio)
    {
        // An audio sample entry (version 0, as MP4 has it): 6 reserved, data reference index, 8 reserved, channels, sample size, 4 more, rate.
        const int boxesAt = 28;
        if (BinaryPrimitives.ReadUInt16BigEndian(Mp4Boxes.Field(file, entry, 8, 2)) != 0)
        {
            return null;
        }

        var boxes = Mp4Boxes.Children(file, new Mp4Box(entry.Type, entry.Body + boxesAt, entry.End)).ToList();
        if (boxes.Any(box => !AudioEntryBoxes.Contains(box.Type)) || boxes.GroupBy(box => box.Type).Any(same => same.Count() > 1))
        {
            return null;
        }

        var esds = boxes.SingleOrDefault(box => box.Type == "esds") ?? throw new InvalidDataException("no esds box");
        var config = AacAudioConfig.FromEsds(file.AsSpan(esds.Body, esds.Length));
        // AAC-LC whose configuration does not rule SBR out may decode as HE-AAC at twice the rate: ffprobe decodes to find
        // out, unless it did already, on the input these frames were copied from.
        var readAsLc = copiedAudio is { CodecName: "aac", Profile: "LC" } && copiedAudio.Channels == config.Channels && copiedAudio.SampleRate == config.SampleRate;
        if (!config.IsAac || config.Channels == 0 || config.SampleRate == 0 || (config.AudioObjectType == 2 && config.SbrPresent is not false && !readAsLc))
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
    /// The track's display size (16.16) and its turn in degrees (0 to 359, as FFmpeg's av_display_rotation_get reads the
    /// matrix); a null turn for a matrix that does more than turn by quarters (a scale, a skew, a slant).
    /// </summary>
    private static (long Width, long Height, int? Rotation) TrackGeometry(byte[] file, Mp4Box tkhd)
    {
        // tkhd: version and flags, then times, track ID, durations (wider in version 1), layer, group, volume, reserved, the matrix, width, height.
        var at = Mp4Boxes.Version(file, tkhd) == 1 ? 52 : 40;
        var matrix = Matrix(file, tkhd, at);
        var width = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, tkhd, at + 36, 4));
        var height = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, tkhd, at + 40, 4));
        var (a, b, c, d) = (matrix[0], matrix[1], matrix[3], matrix[4]);
        int? rotation = (a, b, c, d) switch
        {
            (One, 0, 0, One) => 0,
            (0, -One, One, 0) => 90,
            (-One, 0, 0, -One) => 180,
            (0, One, -One, 0) => 270,
            _ => null,
        };
        return matrix[2] == 0 && matrix[5] == 0 && matrix[8] == OneOfW ? (width, height, rotation) : (width, height, null);
    }

    private static int[] Matrix(byte[] file, Mp4Box box, int at)
    {
        var bytes = Mp4Boxes.Field(file, box, at, 36);
        var matrix = new int[9];
        for (var i = 0; i < 9; i++)
        {
            matrix[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(i * 4)..]);
        }

        return matrix;
    }

    private static bool IsIdentity(int[] matrix) => matrix is [One, 0, 0, 0, One, 0, 0, 0, OneOfW];

    /// <summary>The colour box's full-range flag and transfer function (nclx; nclc has no range); an ICC profile is not read.</summary>
    private static (bool FullRange, int? Transfer) Colour(byte[] file, Mp4Box colr)
    {
        var type = Encoding.ASCII.GetString(Mp4Boxes.Field(file, colr, 0, 4));
        var transfer = type is "nclx" or "nclc"
            ? BinaryPrimitives.ReadUInt16BigEndian(Mp4Boxes.Field(file, colr, 6, 2))
            : throw new InvalidDataException($"a colour box of type {type}");
        return (type == "nclx" && (Mp4Boxes.Field(file, colr, 10, 1)[0] & 0x80) != 0, transfer);
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
    /// A video track whose every frame lasts as long (one entry in its decoding-time table): its rate, which ffprobe
    /// states as both its average and its base rate; null for any other.
    /// </summary>
    private static double? ConstantFrameRate(byte[] file, Mp4Box stbl, uint timescale) =>
        Mp4Samples.Durations(file, stbl) is [{ Duration: > 0 and var duration }] ? (double)timescale / duration : null;

    /// <summary>
    /// The track's samples (frames, for video): the sample size table's count, which must match the decoding-time
    /// table's total (ffprobe counts the latter); null when they differ.
    /// </summary>
    private static long? SampleCount(byte[] file, Mp4Box stbl)
    {
        var stsz = Mp4Boxes.Only(file, stbl, "stsz"); // version and flags, sample size, sample count
        long count = BinaryPrimitives.ReadUInt32BigEndian(Mp4Boxes.Field(file, stsz, 8, 4));
        return Mp4Samples.Durations(file, stbl).Sum(run => (long)run.Count) == count ? count : null;
    }
}
