using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Worker.Conversion.Commands;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.Conversion.Verification;

/// <summary>
/// Holds a finished conversion to the output contract before it is stored: a silently broken
/// result (wrong codec, wrong size, cut short, index at the end) fails the job instead.
/// </summary>
public sealed class OutputVerifier(MediaProbe probe, IOptions<ConversionOptions> options)
{
    /// <summary>Picture sizes may differ by rounding; FFmpeg and this code round the same way, so this is slack.</summary>
    private const int SizeTolerance = 2;

    private static readonly TimeSpan MinimumDurationTolerance = TimeSpan.FromSeconds(0.5);

    private readonly ConversionOptions _options = options.Value;

    /// <summary>The message for a result that fails the check; what failed goes to the diagnostics, for operators.</summary>
    public const string FailedCheckMessage =
        "The converted video did not pass the final check that it plays in every browser, so it was not stored.";

    /// <returns>The output as its index or ffprobe read it back.</returns>
    /// <exception cref="ConversionFailedException">The output breaks the contract or a limit.</exception>
    public async Task<MediaInfo> VerifyAsync(string outputPath, ConversionPlan plan, CancellationToken cancellationToken)
    {
        CheckSize(outputPath);

        // The MP4's own index proves a good output in process, without starting ffprobe (a tenth of a second, every job).
        // Only a pass is taken from it: anything it cannot state, or finds wrong, ffprobe reads again and decides, so the
        // cheaper reading can never fail an output that ffprobe would pass.
        // Copied audio comes with the input's reading of the same frames (what its configuration may leave open, SBR).
        if (Mp4Index.TryRead(outputPath, plan.CopyAudio ? plan.Audio : null) is { } indexed && LimitExceeded(indexed) is null && Problems(indexed, outputPath, plan).Count == 0)
        {
            Activity.Current?.SetTag(TelemetryNames.OutputCheck, "index");
            return indexed;
        }

        Activity.Current?.SetTag(TelemetryNames.OutputCheck, "ffprobe");
        var output = await TryProbeAsync(outputPath, cancellationToken);
        if (output is not null && LimitExceeded(output) is { } limit)
        {
            throw new ConversionFailedException(limit, cause: FailureCause.LimitExceeded);
        }

        var problems = Problems(output, outputPath, plan);
        if (problems.Count > 0)
        {
            throw new ConversionFailedException(FailedCheckMessage, string.Join("; ", problems));
        }

        return output!;
    }

    /// <summary>How much shorter than planned an output may play before it counts as cut: 5 %, at least half a second.</summary>
    public static TimeSpan DurationTolerance(TimeSpan expected) => TimeSpan.FromTicks(Math.Max(MinimumDurationTolerance.Ticks, expected.Ticks / 20));

    /// <exception cref="ConversionFailedException">The output reached the size limit, so it is cut off.</exception>
    public void CheckSize(string outputPath)
    {
        if (File.Exists(outputPath) && new FileInfo(outputPath).Length >= _options.MaxOutputBytes)
        {
            throw new ConversionFailedException(string.Create(CultureInfo.InvariantCulture,
                $"The converted video would be larger than the {_options.MaxOutputBytes / (1024 * 1024):N0} MiB limit."), cause: FailureCause.LimitExceeded);
        }
    }

    /// <summary>What is wrong with the output, in an operator's terms; empty when nothing is.</summary>
    public async Task<IReadOnlyList<string>> FindProblemsAsync(string outputPath, ConversionPlan plan, CancellationToken cancellationToken) =>
        Problems(await TryProbeAsync(outputPath, cancellationToken), outputPath, plan);

    /// <summary>
    /// FFmpeg stops just past the limits (see <see cref="FFmpegArguments.DurationLimitOvershoot"/>):
    /// an input that hid its length, or lied about it, shows it here. Half the overshoot is slack
    /// for an input right at the limit (audio frames round its end up a little).
    /// </summary>
    private string? LimitExceeded(MediaInfo output)
    {
        if (output.Duration > _options.MaxDuration + FFmpegArguments.DurationLimitOvershoot / 2)
        {
            return $"The video is longer than the longest accepted, {DurationText.Of(_options.MaxDuration)}.";
        }

        return output.VideoStreams.Any(video => video.FrameCount > _options.MaxFrameCount)
            ? string.Create(CultureInfo.InvariantCulture, $"The video has more frames than the most accepted, {_options.MaxFrameCount:N0}.")
            : null;
    }

    private async Task<MediaInfo?> TryProbeAsync(string outputPath, CancellationToken cancellationToken)
    {
        try
        {
            return await probe.ProbeAsync(outputPath, cancellationToken);
        }
        catch (ConversionFailedException)
        {
            return null;
        }
    }

    private static List<string> Problems(MediaInfo? output, string outputPath, ConversionPlan plan)
    {
        if (output is null)
        {
            return ["it cannot be read back"];
        }

        List<string> problems = [];
        if (!output.IsFormat("mp4"))
        {
            problems.Add($"it is '{output.FormatName}', not MP4");
        }

        var videos = output.Streams.Where(stream => stream.Kind == StreamKind.Video).ToList();
        if (videos.Count != 1)
        {
            problems.Add($"it has {videos.Count} video streams instead of one");
        }
        else
        {
            problems.AddRange(VideoProblems(videos[0], plan));
        }

        var audios = output.AudioStreams.ToList();
        var expectedAudio = plan.Audio is null ? 0 : 1;
        if (audios.Count != expectedAudio)
        {
            problems.Add($"it has {audios.Count} audio tracks instead of {expectedAudio}");
        }
        else if (audios.Count == 1 && !BrowserCompatibility.IsBrowserSafeAudio(audios[0]))
        {
            problems.Add($"its audio is {audios[0].CodecName} {audios[0].Profile} with {audios[0].Channels} channels, not AAC-LC mono or stereo");
        }

        if (output.Streams.Any(stream => stream.Kind == StreamKind.Other))
        {
            problems.Add("it has streams other than video and audio");
        }

        // Only a shorter output is a defect (a cut); estimated input durations run long as often as not.
        if (plan.Duration is { } expected)
        {
            var tolerance = DurationTolerance(expected);
            if (output.Duration is not { } actual || expected - actual > tolerance)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"it plays for {output.Duration?.TotalSeconds ?? 0:F2} s instead of {expected.TotalSeconds:F2} s"));
            }
        }

        if (!Mp4Layout.IsFastStart(outputPath))
        {
            problems.Add("its index (moov) is not at the start");
        }

        return problems;
    }

    private static IEnumerable<string> VideoProblems(StreamInfo video, ConversionPlan plan)
    {
        if (!BrowserCompatibility.IsBrowserSafe(video))
        {
            yield return $"its video is {video.CodecName} {video.Profile} {video.PixelFormat} {video.Width}×{video.Height} {video.FieldOrder}, " +
                         "not progressive H.264 Main/High yuv420p with even sides";
        }

        var (width, height) = video.IsQuarterTurned ? (video.Height, video.Width) : (video.Width, video.Height);
        if (Math.Abs(width - plan.DisplayWidth) > SizeTolerance || Math.Abs(height - plan.DisplayHeight) > SizeTolerance)
        {
            yield return $"it shows {width}×{height} instead of {plan.DisplayWidth}×{plan.DisplayHeight}";
        }
    }
}
