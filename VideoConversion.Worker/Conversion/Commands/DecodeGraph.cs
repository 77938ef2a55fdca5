using System.Globalization;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Planning;

namespace VideoConversion.Worker.Conversion.Commands;

/// <summary>
/// One decode, many pictures: the video is decoded once, goes through the common filters (deinterlace, HDR to SDR,
/// frame rate cap) once, and is split to every output that needs pictures: the MP4 when it is transcoded, each HLS
/// rendition, the poster's candidates and the storyboard's thumbnails. Running a rendition per FFmpeg would decode the
/// source once per rendition.
/// </summary>
/// <param name="Text">The -filter_complex graph.</param>
public sealed record DecodeGraph(string Text)
{
    public const string Mp4Label = "[mp4]";
    public const string PosterLabel = "[poster]";
    public const string ThumbnailsLabel = "[thumbnails]";

    public static string RenditionLabel(int index) => $"[hls{index}]";

    /// <summary>The graph for <paramref name="plan"/>, whose outputs other than the MP4 decode the video.</summary>
    public static DecodeGraph For(ConversionPlan plan)
    {
        List<(string Label, IEnumerable<string> Filters)> branches = [];
        if (plan.Outputs.Mp4 && !plan.CopyVideo)
        {
            // The MP4's own frame rate cap (level 5.1 at its size): the renditions, at most 1080p, may keep more.
            var mp4 = FFmpegArguments.Mp4Filters(plan);
            if (FFmpegArguments.FrameRateFilter(plan) is { } mp4Cap)
            {
                mp4.Insert(mp4.Count - 1, mp4Cap);
            }

            branches.Add((Mp4Label, mp4));
        }

        if (plan.Outputs.Hls is { } hls)
        {
            // The same cap in every rendition (from the largest), so that all have the same frames, cut at the same instants.
            string[] cap = RenditionFrameRateFilter(plan) is { } filter ? [filter] : [];
            branches.AddRange(hls.Renditions.Select((rendition, index) => (RenditionLabel(index), (IEnumerable<string>)
            [
                .. cap,
                string.Create(CultureInfo.InvariantCulture, $"scale=w={rendition.Width}:h={rendition.Height}:out_range=tv"),
                "setsar=1",
                $"format={BrowserCompatibility.PixelFormat}",
            ])));
        }

        if (plan.Outputs.Poster is { } poster)
        {
            // Candidates evenly spaced over the window, at the poster's size; the thumbnail filter keeps the one whose
            // histogram is nearest the batch's average (not a black frame, not a fade), and the output takes one frame.
            branches.Add((PosterLabel,
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"trim=start={poster.WindowStart.TotalSeconds:0.###}:end={poster.WindowEnd.TotalSeconds:0.###}"),
                string.Create(CultureInfo.InvariantCulture, $"fps=fps=1/{poster.CandidateInterval.TotalSeconds:0.######}"),
                .. JpegScale(poster.Width, poster.Height),
                string.Create(CultureInfo.InvariantCulture, $"thumbnail=n={poster.Candidates}"),
            ]));
        }

        if (plan.Outputs.Storyboard is { } storyboard)
        {
            // One picture every interval from the start: tile k shows the picture nearest k × interval.
            branches.Add((ThumbnailsLabel,
            [
                string.Create(CultureInfo.InvariantCulture, $"fps=fps=1/{storyboard.Interval.TotalSeconds:0.###}:round=near"),
                .. JpegScale(storyboard.TileWidth, storyboard.TileHeight),
            ]));
        }

        var common = FFmpegArguments.CommonFilters(plan);

        var splits = string.Concat(branches.Select((_, index) => $"[b{index}]"));
        var head = $"[0:{plan.Video.Index}]{string.Join(',', [.. common, $"split={branches.Count}"])}{splits}";
        var tails = branches.Select((branch, index) => $"[b{index}]{string.Join(',', branch.Filters)}{branch.Label}");
        return new DecodeGraph(string.Join(';', [head, .. tails]));
    }

    /// <summary>The output options of every output fed by the graph, after the MP4's.</summary>
    public static IEnumerable<string> OutputArguments(OutputFiles files, ConversionPlan plan, ConversionOptions options)
    {
        List<string> arguments = [];
        if (plan.Outputs.Hls is { } hls)
        {
            for (var index = 0; index < hls.Renditions.Count; index++)
            {
                var rendition = hls.Renditions[index];
                arguments.AddRange(
                [
                    "-map", RenditionLabel(index), "-an", "-map_metadata", "-1", "-map_chapters", "-1",
                    .. FFmpegArguments.ColorTags(plan),
                    "-c:v", "libx264", "-preset", options.Preset,
                    // Capped CRF: the quality of the MP4, but never more than the rung's rate over a 2 s buffer.
                    "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
                    "-maxrate", $"{rendition.MaxBitrateKbps}k", "-bufsize", $"{2 * rendition.MaxBitrateKbps}k",
                    "-profile:v", "high", "-pix_fmt", BrowserCompatibility.PixelFormat,
                    // The same instants in every rendition, so that all are cut alike and a player can switch at any segment.
                    "-force_key_frames", string.Create(CultureInfo.InvariantCulture, $"expr:gte(t,n_forced*{HlsPlan.SegmentLength.TotalSeconds})"),
                    "-fps_mode", "vfr",
                    .. FFmpegArguments.OutputLimits(options),
                    .. HlsMuxer(files, rendition.Name),
                ]);
            }

            if (plan.Audio is { } audio)
            {
                // One audio rendition for all: the sound is encoded (or copied) and stored once.
                arguments.AddRange(
                [
                    "-map", $"0:{audio.Index}", "-vn", "-map_metadata", "-1", "-map_chapters", "-1",
                    .. plan.CopyAudio ? ["-c:a", "copy"] : FFmpegArguments.EncodeAudio(audio, options),
                    .. FFmpegArguments.OutputLimits(options),
                    .. HlsMuxer(files, HlsPlan.AudioName),
                ]);
            }
        }

        if (plan.Outputs.Poster is not null)
        {
            arguments.AddRange(["-map", PosterLabel, "-an", "-frames:v", "1", .. Jpeg(2), "-update", "1", files.Poster]);
        }

        if (plan.Outputs.Storyboard is not null)
        {
            arguments.AddRange(["-map", ThumbnailsLabel, "-an", .. FFmpegArguments.OutputLimits(options), .. Jpeg(5), files.ThumbnailPattern]);
        }

        return arguments;
    }

    /// <summary>The sprite sheets from the storyboard's thumbnails: a second, small run over small pictures, not the video.</summary>
    public static IReadOnlyList<string> StoryboardSheets(OutputFiles files, StoryboardPlan storyboard) =>
    [
        "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-protocol_whitelist", "file", "-f", "image2", "-framerate", "1", "-i", files.ThumbnailPattern,
        "-vf", string.Create(CultureInfo.InvariantCulture, $"tile=layout={storyboard.Columns}x{storyboard.Rows}"),
        .. Jpeg(5),
        "-start_number", "1",
        files.StoryboardSheetPattern,
    ];

    /// <summary>
    /// Segmented CMAF: fMP4 segments of about <see cref="HlsPlan.SegmentLength"/> cut at the forced keyframes, an init
    /// segment, and a VOD media playlist naming them relatively. The master playlist is written afterwards, from what
    /// the renditions measure.
    /// </summary>
    private static IEnumerable<string> HlsMuxer(OutputFiles files, string name) =>
    [
        "-f", "hls",
        "-hls_time", HlsPlan.SegmentLength.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        "-hls_playlist_type", "vod",
        "-hls_segment_type", "fmp4",
        "-hls_flags", "independent_segments",
        "-hls_fmp4_init_filename", $"{name}_init.mp4",
        "-hls_segment_filename", Path.Combine(files.HlsFolder, $"{name}_%04d.m4s"),
        files.HlsPlaylist(name),
    ];

    /// <summary>
    /// Renditions at up to 1080p may keep a frame rate the 4K cap of the MP4 would not allow; the rendition cap, when
    /// there is one, comes from the largest rendition (level 5.1 at its size), against the source's highest rate.
    /// </summary>
    private static string? RenditionFrameRateFilter(ConversionPlan plan) =>
        plan.Outputs.Hls?.Renditions is [var top, ..] &&
        Math.Max(plan.Video.AverageFrameRate ?? 0, plan.Video.BaseFrameRate ?? 0) is var rate &&
        BrowserCompatibility.MaxMacroblocksPerSecond / BrowserCompatibility.Macroblocks(top.Width, top.Height) is var fits && rate > fits
            ? string.Create(CultureInfo.InvariantCulture, $"fps={fits}")
            : null;

    /// <summary>Full-range 4:2:0 at an exact size, as JPEG is stored (limited range would look grey).</summary>
    private static IEnumerable<string> JpegScale(int width, int height) =>
    [
        string.Create(CultureInfo.InvariantCulture, $"scale=w={width}:h={height}:out_range=pc"),
        "setsar=1",
        "format=yuvj420p",
    ];

    private static IEnumerable<string> Jpeg(int quality) =>
        ["-c:v", "mjpeg", "-q:v", quality.ToString(CultureInfo.InvariantCulture), "-fps_mode", "passthrough"];
}
