using System.Globalization;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// Decides, from what ffprobe found, how to turn an input into the browser-playable output, and
/// refuses inputs that break the configured limits before any work is spent on them.
/// </summary>
public static class ConversionPlanner
{
    /// <summary>Demuxers whose timestamps are reliable enough to copy H.264 into MP4 unchanged.</summary>
    private static readonly string[] StreamCopyContainers = ["mov", "matroska", "mpegts", "flv"];

    /// <param name="outputs">What to make (<see cref="Contracts.Outputs.OutputKinds"/>); null for the MP4 alone.</param>
    /// <exception cref="ConversionFailedException">The input has no usable video or breaks a limit.</exception>
    public static ConversionPlan Plan(MediaInfo media, ConversionOptions options, bool allowStreamCopy = true, IReadOnlyList<string>? outputs = null)
    {
        var video = PickVideo(media);
        CheckLimits(media, video, options);
        var audio = media.AudioStreams.FirstOrDefault(stream => stream.IsDefault) ?? media.AudioStreams.FirstOrDefault();

        var copyAllowed = allowStreamCopy && options.AllowStreamCopy && StreamCopyContainers.Any(media.IsFormat);
        var copyVideo = copyAllowed && BrowserCompatibility.IsBrowserSafe(video);
        var copyAudio = copyAllowed && audio is not null && BrowserCompatibility.IsBrowserSafeAudio(audio);

        var (width, height) = DisplaySize(video, copyVideo);
        var (fitWidth, fitHeight) = copyVideo ? (width, height) : FitWithin4K(width, height);
        // A variable-rate file may average less than its bursts: the higher of the two rates decides.
        var sourceRate = Math.Max(video.AverageFrameRate ?? 0, video.BaseFrameRate ?? 0);
        var frameRateCap = copyVideo ? null : FrameRateCap(fitWidth, fitHeight, sourceRate);
        var duration = PlayingTime(media, video, audio);

        // The renditions play at the source's average rate (a variable-rate file's base rate can be far above what it shows).
        var made = OutputsPlan.For(outputs, fitWidth, fitHeight, video.AverageFrameRate is > 0 and var average ? average : null, duration);
        if (!copyVideo || made.DecodesVideo)
        {
            // Decoding and encoding is what costs (a copy costs next to nothing however long): every picture encoded
            // counts, the MP4's and each rendition's, so a full ladder weighs about 2.75 times a 1080p transcode.
            var encoded = (copyVideo || !made.Mp4 ? 0L : (long)fitWidth * fitHeight) +
                          (made.Hls?.Renditions.Sum(rendition => (long)rendition.Width * rendition.Height) ?? 0);
            CheckPixelBudget(media, video, options, encoded);
        }

        return new ConversionPlan
        {
            Video = video,
            Audio = audio,
            CopyVideo = copyVideo,
            CopyAudio = copyAudio,
            Deinterlace = !copyVideo && video.IsInterlaced,
            DisplayWidth = fitWidth,
            DisplayHeight = fitHeight,
            ScalesDown = (fitWidth, fitHeight) != (width, height),
            FrameRateCap = frameRateCap,
            Duration = duration,
            Outputs = made,
        };
    }

    /// <summary>
    /// Refuses, before any work, a video whose decode and encode would hold a worker for hours:
    /// its pixels in all (width × height × frames, or the pictures encoded a frame when they are
    /// more, as for an HLS ladder) against <see cref="ConversionOptions.MaxPixels"/>.
    /// </summary>
    private static void CheckPixelBudget(MediaInfo media, StreamInfo video, ConversionOptions options, long encodedPerFrame)
    {
        var duration = media.Duration ?? video.Duration;
        var frames = video.FrameCount ?? (long?)(duration?.TotalSeconds * video.AverageFrameRate);
        if (frames is not { } count)
        {
            return; // a live stream states neither; the frame and time limits still hold it
        }

        var perFrame = Math.Max((double)video.Width * video.Height, encodedPerFrame);
        var pixels = perFrame * count;
        if (pixels > options.MaxPixels)
        {
            var ladder = perFrame > (double)video.Width * video.Height;
            var what = ladder
                ? string.Create(CultureInfo.InvariantCulture, $"{perFrame / 1e6:N1} million pixels encoded a frame (every output asked for)")
                : string.Create(CultureInfo.InvariantCulture, $"{video.Width}×{video.Height} pixels");
            throw new ConversionFailedException(string.Create(CultureInfo.InvariantCulture,
                $"The video is too much work for one job: {what} for {count:N0} frames is {pixels / 1e9:N0} billion pixels to convert, " +
                $"and the most accepted is {options.MaxPixels / 1e9:N0} billion (about an hour of 4K at 60 fps). Try a shorter or smaller video{(ladder ? ", or fewer outputs" : "")}."),
                cause: FailureCause.LimitExceeded);
        }
    }

    /// <summary>Scales a picture down, keeping its shape and orientation, so it fits 3840×2160 either way up.</summary>
    private static (int Width, int Height) FitWithin4K(int width, int height)
    {
        var longSide = Math.Max(width, height);
        var shortSide = Math.Min(width, height);
        var scale = Math.Min(1.0, Math.Min((double)BrowserCompatibility.MaxLongSide / longSide, (double)BrowserCompatibility.MaxShortSide / shortSide));
        return scale >= 1.0 ? (width, height) : (EvenSize.Floor(width * scale), EvenSize.Floor(height * scale));
    }

    /// <summary>
    /// Level 5.1 caps macroblocks a second: at 4K that is 30 fps. A faster source is shown at the
    /// highest whole frame rate that fits; slower ones keep their own timing.
    /// </summary>
    private static int? FrameRateCap(int width, int height, double sourceFrameRate)
    {
        var fits = BrowserCompatibility.MaxMacroblocksPerSecond / BrowserCompatibility.Macroblocks(width, height);
        return sourceFrameRate > fits ? fits : null;
    }

    private static StreamInfo PickVideo(MediaInfo media)
    {
        var videos = media.VideoStreams.ToList();
        if (videos.Count == 0)
        {
            throw new ConversionFailedException(media.Streams.Any(stream => stream.IsAttachedPicture)
                ? "The file has no video stream, only a still cover picture."
                : "The file has no video stream.");
        }

        var video = videos.FirstOrDefault(stream => stream.IsDefault) ?? videos[0];
        if (video.Width <= 0 || video.Height <= 0)
        {
            throw new ConversionFailedException("The video stream cannot be read: its picture size is unknown.");
        }

        return video;
    }

    private static void CheckLimits(MediaInfo media, StreamInfo video, ConversionOptions options)
    {
        var longSide = Math.Max(video.Width, video.Height);
        var shortSide = Math.Min(video.Width, video.Height);
        if (longSide > options.MaxLongSide || shortSide > options.MaxShortSide)
        {
            throw new ConversionFailedException(
                $"The video is {video.Width}×{video.Height} pixels; the largest accepted is {options.MaxLongSide}×{options.MaxShortSide}.");
        }

        var duration = media.Duration ?? video.Duration;
        if (duration > options.MaxDuration)
        {
            throw new ConversionFailedException(
                $"The video is {DurationText.Of(duration.Value)} long; the longest accepted is {DurationText.Of(options.MaxDuration)}.");
        }

        var frames = video.FrameCount ?? (long?)(duration?.TotalSeconds * video.AverageFrameRate);
        if (frames > options.MaxFrameCount)
        {
            throw new ConversionFailedException(string.Create(CultureInfo.InvariantCulture,
                $"The video has {frames:N0} frames; the most accepted is {options.MaxFrameCount:N0}."));
        }
    }

    /// <summary>
    /// The picture size the output shows. A copy keeps the pixels and the rotation, which
    /// browsers apply on playback. A transcode turns the picture upright first (FFmpeg rotates
    /// before the filters run, and a quarter turn inverts the pixel shape), then scales the
    /// width to square pixels and rounds both sides down to even.
    /// </summary>
    private static (int Width, int Height) DisplaySize(StreamInfo video, bool copyVideo)
    {
        if (copyVideo)
        {
            return video.IsQuarterTurned ? (video.Height, video.Width) : (video.Width, video.Height);
        }

        return video.IsQuarterTurned
            ? (EvenSize.Floor(video.Height / video.SampleAspectRatio), EvenSize.Floor(video.Width))
            : (EvenSize.Floor(video.Width * video.SampleAspectRatio), EvenSize.Floor(video.Height));
    }

    /// <summary>
    /// From the first kept stream's start to the last one's end: streams may start late (audio
    /// after a silent intro, video after a camera's warm-up), and the output keeps the gap.
    /// </summary>
    private static TimeSpan? PlayingTime(MediaInfo media, StreamInfo video, StreamInfo? audio)
    {
        StreamInfo[] kept = audio is null ? [video] : [video, audio];
        if (kept.Any(stream => stream.Duration is null))
        {
            // Without per-stream durations, the container's covers the kept streams as well.
            return media.Duration;
        }

        return kept.Max(stream => stream.StartTime + stream.Duration!.Value) - kept.Min(stream => stream.StartTime);
    }
}
