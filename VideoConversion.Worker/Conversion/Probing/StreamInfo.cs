namespace VideoConversion.Worker.Conversion.Probing;

/// <summary>One stream of a probed file; fields that do not apply to its kind are null or zero.</summary>
public sealed record StreamInfo
{
    public required int Index { get; init; }
    public required StreamKind Kind { get; init; }
    public string? CodecName { get; init; }
    public string? Profile { get; init; }

    /// <summary>The codec level as ffprobe states it (H.264: 51 for level 5.1); null when unknown.</summary>
    public int? Level { get; init; }
    public bool IsDefault { get; init; }
    public bool IsAttachedPicture { get; init; }
    public TimeSpan? Duration { get; init; }

    /// <summary>When the stream's first frame is shown; streams of one file may start at different times.</summary>
    public TimeSpan StartTime { get; init; }

    public string? PixelFormat { get; init; }
    public int Width { get; init; }
    public int Height { get; init; }

    /// <summary>Width over height of one pixel; 1 for square pixels (DVD and broadcast video often differ).</summary>
    public double SampleAspectRatio { get; init; } = 1;

    /// <summary>"progressive", "tt", "bb", "tb", "bt", or null when ffprobe does not know.</summary>
    public string? FieldOrder { get; init; }

    /// <summary>The transfer function, e.g. "bt709"; "smpte2084" (PQ) and "arib-std-b67" (HLG) mark HDR.</summary>
    public string? ColorTransfer { get; init; }

    /// <summary>Degrees the picture is turned for display (phones store this instead of turning the pixels).</summary>
    public int Rotation { get; init; }

    public double? AverageFrameRate { get; init; }

    /// <summary>The stream's base frame rate (ffprobe's r_frame_rate): at least the highest rate it plays at, even where the average is lower.</summary>
    public double? BaseFrameRate { get; init; }
    public long? FrameCount { get; init; }

    /// <summary>Frames ffprobe decoded (with -count_frames only): every one of them came out of the decoder.</summary>
    public long? DecodedFrames { get; init; }

    public int Channels { get; init; }
    public int SampleRate { get; init; }

    /// <summary>High dynamic range video: shown on ordinary screens it looks grey and flat unless tone-mapped.</summary>
    public bool IsHdr => ColorTransfer is "smpte2084" or "arib-std-b67";

    public bool IsInterlaced => FieldOrder is "tt" or "bb" or "tb" or "bt";

    /// <summary>Whether the picture is shown on its side, so that width and height swap on screen.</summary>
    public bool IsQuarterTurned => Math.Abs(Rotation % 180) == 90;
}
