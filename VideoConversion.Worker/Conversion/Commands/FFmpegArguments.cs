using System.Globalization;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Commands;

/// <summary>Builds the FFmpeg and ffprobe command lines: a sandboxed read, then a browser-playable MP4.</summary>
public static class FFmpegArguments
{
    /// <summary>How much of a file ffprobe and FFmpeg read to find its streams (bytes, and microseconds of media).</summary>
    private const string ProbeSize = "50000000";
    private const string AnalyzeDuration = "30000000";

    /// <summary>How far past the duration limit FFmpeg writes, so that a cut output is told from one at the limit.</summary>
    public static readonly TimeSpan DurationLimitOvershoot = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Input options for every FFmpeg and ffprobe run on an uploaded file: read only local files,
    /// and only through the accepted demuxers, so a hostile file cannot make FFmpeg open a URL, a
    /// playlist's segments or a file named in a concat list.
    /// </summary>
    public static IReadOnlyList<string> SandboxedInput(string inputPath) =>
    [
        "-protocol_whitelist", "file",
        "-format_whitelist", ContainerFormats.Whitelist,
        "-probesize", ProbeSize,
        "-analyzeduration", AnalyzeDuration,
        "-i", inputPath,
    ];

    public static IReadOnlyList<string> Probe(string inputPath) =>
    [
        "-hide_banner", "-v", "error",
        "-print_format", "json", "-show_format", "-show_streams",
        .. SandboxedInput(inputPath),
    ];

    /// <summary>A file the worker made, decoded whole by ffprobe (-count_frames): each stream says how many frames came out.</summary>
    public static IReadOnlyList<string> ProbeDecoding(string path) => ["-count_frames", .. Probe(path)];

    /// <summary>A JPEG the worker made itself, decoded (-count_frames): only the JPEG reader, only local files.</summary>
    public static IReadOnlyList<string> ProbePicture(string path) =>
    [
        "-hide_banner", "-v", "error", "-count_frames",
        "-print_format", "json", "-show_format", "-show_streams",
        "-protocol_whitelist", "file", "-f", "jpeg_pipe", "-i", path,
    ];

    /// <summary>
    /// The conversion for <paramref name="plan"/>: copied streams pass through untouched, the rest
    /// become H.264 High in 8-bit 4:2:0 with square pixels and even sizes, and AAC stereo; the moov
    /// box goes first so playback starts before the download ends, and progress goes to stdout.
    /// Outputs beyond the MP4 (HLS renditions, poster, storyboard thumbnails) branch off one decode
    /// of the video in the same run (<see cref="DecodeGraph"/>), into <see cref="OutputFiles.Beside"/>.
    /// </summary>
    public static IReadOnlyList<string> Convert(string inputPath, string outputPath, ConversionPlan plan, ConversionOptions options)
    {
        // Global options first: after the last output they would be trailing, which FFmpeg may ignore.
        List<string> arguments = ["-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-progress", "pipe:1", "-nostats", .. SandboxedInput(inputPath)];
        var graph = plan.Outputs.DecodesVideo ? DecodeGraph.For(plan) : null;
        if (graph is not null)
        {
            arguments.AddRange(["-filter_complex", graph.Text]);
        }

        if (plan.Outputs.Mp4)
        {
            arguments.AddRange(Mp4Output(outputPath, plan, options, graph));
        }

        if (graph is not null)
        {
            arguments.AddRange(DecodeGraph.OutputArguments(OutputFiles.Beside(outputPath), plan, options));
        }

        return arguments;
    }

    private static List<string> Mp4Output(string outputPath, ConversionPlan plan, ConversionOptions options, DecodeGraph? graph)
    {
        // Only the chosen streams: subtitles, data, timecode, cover pictures and extra audio tracks are dropped.
        List<string> arguments = ["-map", plan.CopyVideo || graph is null ? $"0:{plan.Video.Index}" : DecodeGraph.Mp4Label];
        if (plan.Audio is not null)
        {
            arguments.AddRange(["-map", $"0:{plan.Audio.Index}"]);
        }

        // Uploads from phones carry location and device tags; a published video should not.
        arguments.AddRange(["-map_metadata", "-1", "-map_chapters", "-1"]);

        arguments.AddRange(plan.CopyVideo ? ["-c:v", "copy"]
            : graph is null ? ["-vf", string.Join(',', VideoFilters(plan)), .. EncodeVideo(plan, options)]
            : EncodeVideo(plan, options));
        arguments.AddRange(plan.Audio is null ? ["-an"] : plan.CopyAudio ? ["-c:a", "copy"] : EncodeAudio(plan.Audio, options));

        arguments.AddRange(
        [
            .. OutputLimits(options),
            "-fs", options.MaxOutputBytes.ToString(CultureInfo.InvariantCulture),
            "-movflags", "+faststart",
            "-f", "mp4",
            outputPath,
        ]);
        return arguments;
    }

    /// <summary>
    /// The limits again, on what is written: a file may state no duration or a false one, and then
    /// only the output shows how long it really is. One over the limit marks a cut.
    /// </summary>
    public static IEnumerable<string> OutputLimits(ConversionOptions options) =>
    [
        "-t", (options.MaxDuration + DurationLimitOvershoot).TotalSeconds.ToString(CultureInfo.InvariantCulture),
        "-frames:v", (options.MaxFrameCount + 1).ToString(CultureInfo.InvariantCulture),
        // Sparse or late-starting streams need room to interleave; the bound keeps memory in check.
        "-max_muxing_queue_size", "4096",
    ];

    /// <summary>
    /// HDR (PQ or HLG, as phones record) to SDR BT.709: to linear light, into BT.709 primaries,
    /// tone-mapped (Hable keeps highlights without greying the rest), back to BT.709 video. 8-bit
    /// output keeping HDR tags would look washed out on most screens.
    /// </summary>
    private static readonly string[] HdrToSdr =
    [
        "zscale=t=linear:npl=100",
        "format=gbrpf32le",
        "zscale=p=bt709",
        "tonemap=tonemap=hable:desat=0",
        "zscale=t=bt709:m=bt709:r=tv",
    ];

    /// <summary>
    /// What every decoded picture goes through first, whatever it becomes: deinterlacing, HDR to
    /// SDR, and the frame rate cap. Streams that say they are interlaced are deinterlaced whole; the
    /// rest only where a frame is flagged interlaced, since many files state no field order at all.
    /// (bwdif needs a picture of at least 4 lines.)
    /// </summary>
    public static List<string> CommonFilters(ConversionPlan plan)
    {
        List<string> filters = [];
        if (Math.Min(plan.Video.Width, plan.Video.Height) >= 4)
        {
            filters.Add($"bwdif=mode=send_frame:parity=auto:deint={(plan.Deinterlace ? "all" : "interlaced")}");
        }

        if (plan.Video.IsHdr)
        {
            filters.AddRange(HdrToSdr);
        }

        return filters;
    }

    /// <summary>
    /// Square pixels and even sizes (4:2:0 needs them; at most one pixel is lost), limited range
    /// (full-range "yuvj" video would look washed out), then 8-bit 4:2:0. Larger than 4K is scaled
    /// down to the size the plan fitted (FFmpeg has turned the picture upright by now).
    /// </summary>
    public static List<string> Mp4Filters(ConversionPlan plan) =>
    [
        plan.ScalesDown
            ? string.Create(CultureInfo.InvariantCulture, $"scale=w={plan.DisplayWidth}:h={plan.DisplayHeight}:out_range=tv")
            : "scale=w=trunc(iw*sar/2)*2:h=trunc(ih/2)*2:out_range=tv",
        "setsar=1",
        $"format={BrowserCompatibility.PixelFormat}",
    ];

    /// <summary>The MP4's whole filter chain when nothing else is made: common filters, scale, frame rate cap, format.</summary>
    private static List<string> VideoFilters(ConversionPlan plan)
    {
        var filters = CommonFilters(plan);
        var mp4 = Mp4Filters(plan);
        filters.AddRange(mp4[..^1]);
        if (FrameRateFilter(plan) is { } cap)
        {
            filters.Add(cap);
        }

        filters.Add(mp4[^1]);
        return filters;
    }

    public static string? FrameRateFilter(ConversionPlan plan) =>
        plan.FrameRateCap is { } cap ? string.Create(CultureInfo.InvariantCulture, $"fps={cap}") : null;

    /// <summary>Color tags for a tone-mapped picture: 8-bit output keeping HDR tags would look washed out.</summary>
    public static string[] ColorTags(ConversionPlan plan) =>
        plan.Video.IsHdr ? ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"] : [];

    private static string[] EncodeVideo(ConversionPlan plan, ConversionOptions options) =>
    [
        .. ColorTags(plan),
        "-c:v", "libx264",
        "-preset", options.Preset,
        "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
        "-profile:v", "high",
        "-pix_fmt", BrowserCompatibility.PixelFormat,
        // Keep the input's own frame timing: variable-rate phone and screen recordings stay in
        // sync, and a container's coarse time base does not turn into duplicated frames.
        "-fps_mode", "vfr",
    ];

    public static string[] EncodeAudio(StreamInfo audio, ConversionOptions options) =>
    [
        "-c:a", "aac",
        "-b:a", options.AudioBitrate,
        "-ac", BrowserCompatibility.EncodedAudioChannels.ToString(CultureInfo.InvariantCulture),
        "-ar", AacSampleRate(audio.SampleRate).ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>
    /// The output rate for an input rate: the lowest standard rate that loses nothing, at most
    /// 48 kHz (also when the input's is unknown). FFmpeg's AAC encoder refuses other rates (old and
    /// odd sources have 22254 or 37800 Hz).
    /// </summary>
    public static int AacSampleRate(int inputRate) => inputRate <= 0
        ? BrowserCompatibility.MaxAudioSampleRate
        : BrowserCompatibility.AudioSampleRates.FirstOrDefault(rate => rate >= inputRate, BrowserCompatibility.MaxAudioSampleRate);
}
