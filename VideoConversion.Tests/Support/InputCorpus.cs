namespace VideoConversion.Tests.Support;

/// <summary>What a good input must turn into.</summary>
/// <param name="Width">Display width of the output, after rotation.</param>
/// <param name="Seconds">How long the output plays.</param>
/// <param name="Method">The conversion method the planner must choose.</param>
/// <param name="AudioChannels">Stereo, unless mono AAC-LC was copied as it is.</param>
public sealed record ExpectedOutput(int Width, int Height, bool HasAudio, double Seconds, string Method, int AudioChannels = 2);

/// <summary>One kind of real-world input, made with FFmpeg at test time.</summary>
public sealed record CorpusInput(string Name, string FileName, ExpectedOutput Expected, Func<string, Task> MakeAsync)
{
    public override string ToString() => Name;
}

/// <summary>
/// Inputs as phones, cameras, editors, broadcasters and old archives produce them, small enough to
/// convert in about a second each. Every one is generated here, so nothing binary lives in the repository.
/// </summary>
public static class InputCorpus
{
    private const string Seconds = "2";
    private static readonly string[] Picture = ["-f", "lavfi", "-i", $"testsrc2=size=320x240:rate=25:duration={Seconds}"];
    private static readonly string[] Tone = ["-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=48000:duration={Seconds}"];
    private static readonly string[] BrowserSafeVideo = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"];
    private static readonly string[] BrowserSafeAudio = ["-c:a", "aac", "-ac", "2"];

    private const string Remux = "remux";
    private const string Transcode = "transcode";
    private const string CopyVideoOnly = "copy video, transcode audio";
    private const string CopyAudioOnly = "transcode video, copy audio";

    public static IReadOnlyList<CorpusInput> All { get; } =
    [
        new("already browser-safe MP4 (H.264 High, AAC stereo, moov at the end)", "ready.mp4", new(320, 240, true, 2, Remux),
            path => FFmpeg([.. Picture, .. Tone, .. BrowserSafeVideo, .. BrowserSafeAudio, path])),
        // "testsrc" is RGB and keeps odd sizes; "testsrc2" would round them to even itself.
        new("browser-safe H.264 and AAC in MPEG-TS (camcorders' AVCHD, screen recorders)", "camcorder.mts", new(320, 240, true, 2, Remux),
            path => FFmpeg([.. Picture, .. Tone, .. BrowserSafeVideo, .. BrowserSafeAudio, "-f", "mpegts", path])),
        new("odd dimensions, MJPEG (full-range 4:4:4) and PCM in AVI", "odd-size.avi", new(320, 240, true, 2, Transcode),
            path => FFmpeg(["-f", "lavfi", "-i", $"testsrc=size=321x241:rate=25:duration={Seconds}", .. Tone, "-c:v", "mjpeg", "-c:a", "pcm_s16le", path])),
        new("10-bit H.264 (High 10) and Opus in MKV", "high10.mkv", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p10le", "-c:a", "libopus", path])),
        new("ProRes 4:2:2 10-bit and 24-bit PCM in MOV (editors)", "prores.mov", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "prores_ks", "-profile:v", "2", "-c:a", "pcm_s24le", path])),
        new("4:4:4 H.264 (High 4:4:4) in MP4", "yuv444.mp4", new(320, 240, true, 2, CopyAudioOnly),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv444p", .. BrowserSafeAudio, path])),
        new("full-range (yuvj420p) H.264 and mono AAC in MP4", "full-range.mp4", new(320, 240, true, 2, CopyAudioOnly, AudioChannels: 1),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuvj420p", "-c:a", "aac", path])),
        new("phone video turned 90° by rotation metadata, browser-safe", "phone-rotated.mp4", new(240, 320, true, 2, Remux),
            path => Rotated(path, 90, BrowserSafeVideo)),
        new("phone video turned 270°, H.264 Baseline (re-encoded upright)", "phone-rotated-baseline.mov", new(240, 320, true, 2, CopyAudioOnly),
            path => Rotated(path, 270, ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "baseline"])),
        new("interlaced DVD: MPEG-2 720×480 (8:9 pixels), AC-3, navigation data, in MPEG-PS", "dvd.vob", new(640, 480, true, 2, Transcode),
            path => FFmpeg(["-f", "lavfi", "-i", $"testsrc2=size=720x480:rate=30000/1001:duration={Seconds}", .. Tone,
                "-target", "ntsc-dvd", "-aspect", "4:3", "-flags", "+ilme+ildct", "-top", "1", path])),
        new("interlaced broadcast: H.264 top field first and MP2 in MPEG-TS", "broadcast.ts", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, .. BrowserSafeVideo, "-flags", "+ildct+ilme", "-x264-params", "tff=1", "-c:a", "mp2", "-ac", "2", path])),
        new("browser-safe H.264 with AC-3 audio in MKV", "h264-ac3.mkv", new(320, 240, true, 2, CopyVideoOnly),
            path => FFmpeg([.. Picture, .. Tone, .. BrowserSafeVideo, "-c:a", "ac3", "-ac", "2", path])),
        new("variable frame rate VP9 and Opus in WebM (half a second without frames)", "vfr.webm", new(320, 240, true, 2.5, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-vf", "setpts='N/25/TB+if(gte(N,25),0.5/TB,0)'", "-fps_mode", "vfr",
                "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", path])),
        new("three audio tracks, the second marked default (MKV)", "multi-audio.mkv", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture,
                "-f", "lavfi", "-i", $"anullsrc=sample_rate=48000:channel_layout=stereo:duration={Seconds}", .. Tone,
                "-f", "lavfi", "-i", $"anullsrc=sample_rate=48000:channel_layout=stereo:duration={Seconds}",
                "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c:v", "mpeg4", "-c:a", "libvorbis",
                "-disposition:a:0", "0", "-disposition:a:1", "default", "-disposition:a:2", "0", path])),
        new("subtitle and timecode tracks in MOV, browser-safe otherwise", "subtitles-timecode.mov", new(320, 240, true, 2, Remux),
            path => WithSubtitles(path, [.. BrowserSafeVideo, .. BrowserSafeAudio, "-c:s", "mov_text", "-timecode", "00:00:00:00"])),
        new("SubRip subtitles and an attached file in MKV", "subtitles.mkv", new(320, 240, true, 2, Remux),
            path => WithSubtitles(path, [.. BrowserSafeVideo, .. BrowserSafeAudio, "-c:s", "srt",
                "-attach", SubtitleFile(path), "-metadata:s:t", "mimetype=text/plain"])),
        new("attached cover picture stored before the video (MP4)", "cover-art.mp4", new(320, 240, true, 2, Remux),
            path => WithCover(path)),
        new("8K at 60 fps (MPEG-4 Part 2 in MKV): scaled down to fit 4K, at 30 fps so H.264 stays within level 5.1", "8k.mkv",
            new(3840, 2160, false, 0.5, Transcode),
            path => FFmpeg(["-f", "lavfi", "-i", "testsrc2=size=7680x4320:rate=60:duration=0.5", "-c:v", "mpeg4", "-q:v", "20", path])),
        new("animated GIF with odd dimensions", "animated.gif", new(160, 120, false, 2, Transcode),
            path => FFmpeg(["-f", "lavfi", "-i", $"testsrc=size=161x121:rate=10:duration={Seconds}", path])),
        new("one-frame clip (MPEG-4 Part 2 in MP4)", "one-frame.mp4", new(320, 240, false, 0.04, Transcode),
            path => FFmpeg([.. Picture, "-frames:v", "1", "-c:v", "mpeg4", path])),
        new("no audio track: Sorenson Spark in FLV", "silent.flv", new(320, 240, false, 2, Transcode),
            path => FFmpeg([.. Picture, "-c:v", "flv1", path])),
        new("3GP from an old phone: H.263 176×144 and mono AAC", "old-phone.3gp", new(176, 144, true, 2, CopyAudioOnly, AudioChannels: 1),
            path => FFmpeg(["-f", "lavfi", "-i", $"testsrc2=size=176x144:rate=15:duration={Seconds}", .. Tone, "-c:v", "h263", "-c:a", "aac", "-ar", "16000", path])),
        new("Windows Media: WMV 8 and WMA 2 in ASF", "archive.wmv", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "wmv2", "-c:a", "wmav2", path])),
        new("Theora and Vorbis in Ogg", "theora.ogv", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "libtheora", "-c:a", "libvorbis", path])),
        new("HEVC with 5.1 AAC in MOV (recent iPhones)", "iphone.mov", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-x265-params", "log-level=error",
                "-c:a", "aac", "-ac", "6", path])),
        new("PCM at an odd sample rate, 22254 Hz (old capture cards), with MPEG-4 Part 2 in AVI", "odd-rate.avi", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=22254:duration={Seconds}",
                "-c:v", "mpeg4", "-c:a", "pcm_s16le", path])),
        new("audio starting a second after the video, browser-safe in MKV", "late-audio.mkv", new(320, 240, true, 3, Remux),
            path => FFmpeg([.. Picture, "-itsoffset", "1", .. Tone, .. BrowserSafeVideo, .. BrowserSafeAudio, path])),
        new("live WebM stating no duration (browser MediaRecorder, streams)", "live.webm", new(320, 240, true, 2, Transcode),
            path => FFmpeg([.. Picture, .. Tone, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", "-live", "1", path])),
        new("anamorphic (4:3 pixels) H.264 turned 90° by rotation metadata", "anamorphic-rotated.mp4", new(180, 320, true, 2, CopyAudioOnly),
            path => Rotated(path, 90, ["-vf", "setsar=4/3", .. BrowserSafeVideo])),
        new("HDR: HLG 10-bit H.264 with BT.2020 colours in MOV (phones)", "hdr-hlg.mov", new(320, 240, true, 2, CopyAudioOnly),
            path => FFmpeg([.. Picture, .. Tone, "-vf", "format=yuv420p10le", "-c:v", "libx264", "-preset", "veryfast",
                "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", .. BrowserSafeAudio, path])),
    ];

    public static TheoryData<string> Names => [.. All.Select(input => input.FileName)];

    public static CorpusInput Named(string fileName) => All.Single(input => input.FileName == fileName);

    /// <summary>Generates <paramref name="input"/> in <paramref name="directory"/> and returns its path.</summary>
    public static async Task<string> CreateAsync(CorpusInput input, string directory)
    {
        var path = Path.Combine(directory, input.FileName);
        await input.MakeAsync(path);
        return path;
    }

    private static Task FFmpeg(string[] arguments) => TestMedia.FFmpegAsync(arguments);

    /// <summary>Stores a display rotation the way phones do: the pixels stay, a matrix turns them.</summary>
    private static async Task Rotated(string path, int degrees, string[] videoCodec)
    {
        var upright = path + ".upright.mp4";
        await FFmpeg([.. Picture, .. Tone, .. videoCodec, .. BrowserSafeAudio, upright]);
        await FFmpeg(["-i", upright, "-map", "0", "-c", "copy", "-metadata:s:v:0", $"rotate={degrees}", path]);
    }

    private static async Task WithSubtitles(string path, string[] codecs)
    {
        var subtitles = SubtitleFile(path);
        await File.WriteAllTextAsync(subtitles, "1\n00:00:00,000 --> 00:00:01,500\nHello\n\n");
        await FFmpeg([.. Picture, .. Tone, "-i", subtitles, "-map", "0", "-map", "1", "-map", "2", .. codecs, path]);
    }

    private static string SubtitleFile(string path) => path + ".srt";

    private static async Task WithCover(string path)
    {
        var cover = path + ".cover.png";
        var video = path + ".video.mp4";
        await FFmpeg(["-f", "lavfi", "-i", "testsrc2=size=200x200", "-frames:v", "1", cover]);
        await FFmpeg([.. Picture, .. Tone, .. BrowserSafeVideo, .. BrowserSafeAudio, video]);
        await FFmpeg(["-i", cover, "-i", video, "-map", "0", "-map", "1", "-c", "copy", "-disposition:v:0", "attached_pic", path]);
    }
}
