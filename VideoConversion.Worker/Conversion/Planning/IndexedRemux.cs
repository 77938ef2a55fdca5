using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Worker.Conversion.Planning;

/// <summary>
/// A remux planned without ffprobe. Starting ffprobe costs about 0.2 s (most of it loading FFmpeg's libraries), which is
/// most of what a remux adds to FFmpeg's own time. An upload that FFmpeg's MP4 muxer wrote, as tools built on FFmpeg
/// write theirs, is read from its own index in process instead (<see cref="Mp4Index.TryReadUpload"/>).
/// </summary>
/// <remarks>
/// Only a plan that copies every stream it keeps, and decodes nothing, is taken from that reading; the index states
/// everything such a plan reads, as ffprobe states it. Anything else (a transcode, another output, a refusal for a
/// limit) is planned from ffprobe's reading: it costs seconds where ffprobe costs a fraction of one, and a refusal is
/// the user's answer, which the cheaper reading does not give.
/// </remarks>
public static class IndexedRemux
{
    /// <summary>
    /// <see cref="TryPlan"/>, with a file the index reader failed on left to ffprobe, as every file it cannot account for
    /// is: never the job's failure. <paramref name="failed"/> hears of it (the reader missed a case).
    /// </summary>
    public static (MediaInfo Media, ConversionPlan Plan)? TryPlanOrLeaveToFFprobe(
        string inputPath, ConversionOptions options, IReadOnlyList<string>? outputs, Action<Exception> failed)
    {
        try
        {
            return TryPlan(inputPath, options, outputs);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            failed(exception);
            return null;
        }
    }

    /// <returns>The upload as its index states it and the remux planned from it; null when ffprobe must read it.</returns>
    public static (MediaInfo Media, ConversionPlan Plan)? TryPlan(string inputPath, ConversionOptions options, IReadOnlyList<string>? outputs)
    {
        // Every output beyond the MP4 decodes the video: no remux, so the index is not read.
        if (!options.AllowStreamCopy || outputs?.Any(kind => kind != OutputKinds.Mp4) == true || Mp4Index.TryReadUpload(inputPath) is not { } media)
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
