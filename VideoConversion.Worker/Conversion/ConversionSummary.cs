using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion;

/// <summary>What a finished conversion did, for logs, reports and metrics.</summary>
/// <param name="FFmpegElapsed">How long the FFmpeg run that made the output took.</param>
/// <param name="Outputs">What was made, as measured: reported, and stored with the outputs.</param>
public sealed record ConversionSummary(string Method, MediaInfo Input, ConversionPlan Plan, TimeSpan FFmpegElapsed, JobOutputs Outputs)
{
    /// <summary>Seconds of video converted per second of FFmpeg's time; null when the input states no duration.</summary>
    public double? Speed => Plan.Duration is { } duration && duration > TimeSpan.Zero && FFmpegElapsed > TimeSpan.Zero
        ? duration / FFmpegElapsed
        : null;
}
