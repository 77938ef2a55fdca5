using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// A remux planned without ffprobe. Starting ffprobe costs about 0.2 s (most of it loading FFmpeg's libraries), which is
/// most of what a remux adds to FFmpeg's own time. An upload that FFmpeg's MP4 muxer wrote (as OBS, screen recorders,
/// editors and other tools built on FFmpeg write theirs) is read from its own index in process instead
/// (<see cref="Mp4Index.TryReadUpload"/>).
/// </summary>
/// <remarks>
/// Only a plan that copies every stream it keeps, and decodes nothing, is taken from that reading. Anything else (a
/// transcode, another output, a refusal for a limit) is planned from ffprobe's reading, so the cheaper reading never
/// changes what a job does, nor fails a file ffprobe would pass: ffprobe states frame rates and stream durations the
/// index does not, and a transcode costs seconds where ffprobe costs a fraction of one.
/// </remarks>
public static class IndexedRemux
{
    /// <returns>The upload as its index states it and the remux planned from it; null when ffprobe must read it.</returns>
    public static (MediaInfo Media, ConversionPlan Plan)? TryPlan(string inputPath, ConversionOptions options, IReadOnlyList<string>? outputs)
    {
        if (!options.AllowStreamCopy || Mp4Index.TryReadUpload(inputPath) is not { } media)
        {
            return null;
        }

        ConversionPlan plan;
        try
        {
            plan = ConversionPlanner.Plan(media, options, outputs: outputs);
        }
        catch (ConversionFailedException)
        {
            return null; // a refusal is ffprobe's reading's to make
        }

        return plan is { IsRemux: true, Outputs.DecodesVideo: false } ? (media, plan) : null;
    }
}
