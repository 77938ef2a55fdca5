namespace VideoConversion.Worker.Conversion;

/// <summary>Builds the FFmpeg command line for a browser-playable MP4.</summary>
public static class FFmpegArguments
{
    /// <summary>
    /// H.264 High profile in 8-bit 4:2:0 with even dimensions (what every browser decodes), AAC
    /// stereo when the input has sound, the moov box first (playback starts before the download
    /// ends), and machine-readable progress on standard output.
    /// </summary>
    public static IReadOnlyList<string> ForBrowserMp4(string inputPath, string outputPath, MediaInfo media, ConversionOptions options)
    {
        List<string> arguments =
        [
            "-hide_banner", "-nostdin", "-y",
            "-loglevel", "error",
            // Read the local file only: a hostile input must not make FFmpeg open URLs or other files.
            "-protocol_whitelist", "file,pipe",
            "-i", inputPath,
            "-map", "0:v:0",
        ];

        if (media.HasAudio)
        {
            arguments.AddRange(["-map", "0:a:0"]);
        }

        arguments.AddRange(
        [
            // yuv420p needs even dimensions; round down by at most one pixel.
            "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p",
            "-c:v", "libx264",
            "-preset", options.Preset,
            "-crf", options.Crf.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-profile:v", "high",
            "-pix_fmt", "yuv420p",
        ]);

        arguments.AddRange(media.HasAudio
            ? ["-c:a", "aac", "-b:a", options.AudioBitrate, "-ac", "2"]
            : ["-an"]);

        arguments.AddRange(
        [
            "-sn", "-dn",
            "-movflags", "+faststart",
            "-progress", "pipe:1", "-nostats",
            "-f", "mp4",
            outputPath,
        ]);

        return arguments;
    }
}
