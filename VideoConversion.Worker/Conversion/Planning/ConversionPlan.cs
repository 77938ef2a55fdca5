using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// What one conversion does: which streams it keeps, which it copies as they are (the fast path)
/// and which it re-encodes, and what the result must look like.
/// </summary>
public sealed record ConversionPlan
{
    public required StreamInfo Video { get; init; }

    /// <summary>The one audio track kept; null when the input has no sound.</summary>
    public StreamInfo? Audio { get; init; }

    public bool CopyVideo { get; init; }
    public bool CopyAudio { get; init; }

    /// <summary>Interlaced broadcast and DVD video is deinterlaced: browsers show fields as combing.</summary>
    public bool Deinterlace { get; init; }

    /// <summary>The picture size as displayed, after rotation, that the output must have.</summary>
    public required int DisplayWidth { get; init; }

    public required int DisplayHeight { get; init; }

    /// <summary>Set when the picture is scaled down to fit 4K (the output's level would be too high otherwise).</summary>
    public bool ScalesDown { get; init; }

    /// <summary>Frames a second the output may have at most, when the source's would put it past level 5.1.</summary>
    public int? FrameRateCap { get; init; }

    /// <summary>How long the output must play, from the streams kept; null when the input does not say.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>What is made: the MP4, and any of HLS, poster and storyboard, all from this one run.</summary>
    public OutputsPlan Outputs { get; init; } = OutputsPlan.Mp4Only;

    /// <summary>Whether no stream is re-encoded: the whole conversion is a remux.</summary>
    public bool IsRemux => CopyVideo && (Audio is null || CopyAudio);

    public bool CopiesAnyStream => CopyVideo || CopyAudio;

    /// <summary>"remux", "transcode", or which part is copied: for logs and reports.</summary>
    public string Method => (CopyVideo, Audio is null || CopyAudio) switch
    {
        (true, true) => "remux",
        (true, false) => "copy video, transcode audio",
        (false, true) when Audio is not null => "transcode video, copy audio",
        _ => "transcode",
    };
}
