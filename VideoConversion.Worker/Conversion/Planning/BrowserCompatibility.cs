using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// The output contract in one place: what every current browser plays. The planner copies a
/// stream that already meets it, and the output check holds every result to it.
/// </summary>
public static class BrowserCompatibility
{
    /// <summary>H.264 profiles that every browser decodes in hardware and software alike.</summary>
    public static readonly IReadOnlyList<string> VideoProfiles = ["Main", "High"];

    public const string PixelFormat = "yuv420p";

    /// <summary>
    /// H.264 level 5.1: what browsers' hardware decoders, and Safari, play. It allows 36,864
    /// macroblocks (16×16) a frame and 983,040 a second: 3840×2160 at 30 fps, 1080p at 120.
    /// </summary>
    public const int MaxLevel = 51;
    public const int MaxMacroblocksPerSecond = 983_040;

    /// <summary>The largest picture made: 4K UHD, either way up. Larger inputs are scaled down to fit.</summary>
    public const int MaxLongSide = 3840;
    public const int MaxShortSide = 2160;

    public static int Macroblocks(int width, int height) => ((width + 15) / 16) * ((height + 15) / 16);
    /// <summary>Channels of re-encoded audio: stereo (surround mixed down). Mono AAC-LC is copied as it is.</summary>
    public const int EncodedAudioChannels = 2;
    public const int MaxAudioSampleRate = 48_000;

    /// <summary>The AAC sample rates browsers play, ascending.</summary>
    public static readonly IReadOnlyList<int> AudioSampleRates =
        [8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, MaxAudioSampleRate];

    /// <summary>
    /// H.264 Main or High up to level 5.1, 8-bit limited-range 4:2:0, progressive, standard
    /// dynamic range, even dimensions within 4K.
    /// </summary>
    public static bool IsBrowserSafe(StreamInfo video) =>
        video is { Kind: StreamKind.Video, CodecName: "h264", PixelFormat: PixelFormat, IsInterlaced: false, IsHdr: false, Level: <= MaxLevel } &&
        VideoProfiles.Contains(video.Profile) &&
        Math.Max(video.Width, video.Height) <= MaxLongSide && Math.Min(video.Width, video.Height) <= MaxShortSide &&
        video.Width > 0 && video.Height > 0 && video.Width % 2 == 0 && video.Height % 2 == 0 &&
        Math.Abs(video.SampleAspectRatio - 1) < 0.01;

    /// <summary>AAC-LC in mono or stereo at a standard sample rate: what every browser plays, so never re-encoded.</summary>
    public static bool IsBrowserSafeAudio(StreamInfo audio) =>
        audio is { Kind: StreamKind.Audio, CodecName: "aac", Profile: "LC", Channels: 1 or 2 } &&
        AudioSampleRates.Contains(audio.SampleRate);
}
