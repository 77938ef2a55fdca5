using System.Globalization;

namespace VideoConversion.Worker.Conversion;

/// <summary>
/// Decides, from what ffprobe found, how to turn an input into the browser-playable output, and
/// refuses inputs that break the configured limits before any work is spent on them.
/// </summary>
public static class ConversionPlanner
{
    /// <summary>Demuxers whose timestamps are reliable enough to copy H.264 into MP4 unchanged.</summary>
    private static readonly string[] StreamCopyContainers = ["mov", "matroska", "mpegts", "flv"];

    /// <exception cref="ConversionFailedException">The input has no usable video or breaks a limit.</exception>
    public static ConversionPlan Plan(MediaInfo media, ConversionOptions options, bool allowStreamCopy = true)
    {
        var video = PickVideo(media);
        CheckLimits(media, video, options);
        var audio = media.AudioStreams.FirstOrDefault(stream => stream.IsDefault) ?? media.AudioStreams.FirstOrDefault();

        var copyAllowed = allowStreamCopy && options.AllowStreamCopy && StreamCopyContainers.Any(media.IsFormat);
        var copyVideo = copyAllowed && BrowserCompatibility.IsBrowserSafe(video);
        var copyAudio = copyAllowed && audio is not null && BrowserCompatibility.IsBrowserSafeAudio(audio);

        // A transcode scales to square pixels and even sizes, and FFmpeg turns the picture
        // upright; a copy keeps the pixels and the rotation, which browsers apply on playback.
        var width = copyVideo ? video.Width : EvenFloor(video.Width * video.SampleAspectRatio);
        var height = copyVideo ? video.Height : EvenFloor(video.Height);
        if (video.IsQuarterTurned)
        {
            (width, height) = (height, width);
        }

        return new ConversionPlan
        {
            Video = video,
            Audio = audio,
            CopyVideo = copyVideo,
            CopyAudio = copyAudio,
            Deinterlace = !copyVideo && video.IsInterlaced,
            DisplayWidth = width,
            DisplayHeight = height,
            Duration = PlayingTime(media, video, audio),
        };
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

    private static TimeSpan? PlayingTime(MediaInfo media, StreamInfo video, StreamInfo? audio)
    {
        TimeSpan?[] kept = [video.Duration, audio?.Duration];
        var longest = kept.Max();
        // Without per-stream durations, the container's covers the kept streams as well.
        return longest ?? media.Duration;
    }

    private static int EvenFloor(double pixels) => (int)Math.Floor(pixels / 2) * 2;
}
