using System.Diagnostics;
using Microsoft.Extensions.Options;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Telemetry;
using VideoConversion.Processes;
using VideoConversion.Worker.Conversion.Commands;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Runs;
using VideoConversion.Worker.Conversion.Verification;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Conversion;

/// <summary>
/// Probes an input, plans the conversion (copying what is already browser-safe), runs FFmpeg
/// in the input's scratch directory with progress, and checks the output before anyone sees it.
/// </summary>
public sealed partial class VideoConverter(
    MediaProbe probe,
    OutputVerifier verifier,
    OutputsFinisher finisher,
    IOptions<ConversionOptions> options,
    ILogger<VideoConverter> logger)
{
    private readonly ConversionOptions _options = options.Value;

    /// <exception cref="ConversionFailedException">The input cannot become a valid output; retrying will not help.</exception>
    /// <exception cref="SystemFaultException">FFmpeg or ffprobe was killed, crashed, hung or ran out of memory or disk.</exception>
    /// <param name="outputPath">Where the MP4 goes; any other output goes in a folder beside it (<see cref="OutputFiles.Beside"/>).</param>
    /// <param name="outputs">What to make (<see cref="Contracts.Outputs.OutputKinds"/>); null for the MP4 alone.</param>
    public async Task<ConversionSummary> ConvertAsync(
        string inputPath, string outputPath, Func<int, Task> onProgress, CancellationToken cancellationToken, IReadOnlyList<string>? outputs = null)
    {
        var (media, plan, indexed) = await ProbeAndPlanAsync(inputPath, outputs, fromIndex: true, cancellationToken);
        if (indexed)
        {
            try
            {
                return await RunPlanAsync(inputPath, outputPath, media, plan, onProgress, cancellationToken);
            }
            catch (ConversionFailedException failure) when (!failure.BreaksLimit)
            {
                // The remux planned from the input's index failed: ffprobe reads the input and plans it afresh, as any
                // upload, so the index's reading never decides that a job fails.
                var indexedPlan = plan;
                (media, plan, _) = await ProbeAndPlanAsync(inputPath, outputs, fromIndex: false, cancellationToken);
                if (IsSameRun(inputPath, outputPath, indexedPlan, plan))
                {
                    // The same copy would fail the same way: transcoded at once, as any copy that failed.
                    LogStreamCopyFailed(logger, plan.Method, failure.Message, failure.Diagnostics);
                    return await TranscodeAsync(inputPath, outputPath, media, outputs, onProgress, cancellationToken);
                }

                LogIndexedPlanDiffered(logger, failure.Message, plan.Method);
            }
        }

        try
        {
            return await RunPlanAsync(inputPath, outputPath, media, plan, onProgress, cancellationToken);
        }
        catch (ConversionFailedException failure) when (plan.CopiesAnyStream && !failure.BreaksLimit)
        {
            // A stream can look browser-safe and still not copy cleanly (broken timestamps, odd
            // bitstream headers); re-encoding everything is slower but reads it afresh. A broken
            // limit stays broken, so that is final.
            LogStreamCopyFailed(logger, plan.Method, failure.Message, failure.Diagnostics);
            return await TranscodeAsync(inputPath, outputPath, media, outputs, onProgress, cancellationToken);
        }
    }

    private async Task<ConversionSummary> RunPlanAsync(
        string inputPath, string outputPath, MediaInfo media, ConversionPlan plan, Func<int, Task> onProgress, CancellationToken cancellationToken)
    {
        var (elapsed, made) = await RunAsync(inputPath, outputPath, plan, onProgress, cancellationToken);
        return new ConversionSummary(plan.Method, media, plan, elapsed, made);
    }

    private Task<ConversionSummary> TranscodeAsync(
        string inputPath, string outputPath, MediaInfo media, IReadOnlyList<string>? outputs, Func<int, Task> onProgress, CancellationToken cancellationToken) =>
        RunPlanAsync(inputPath, outputPath, media, ConversionPlanner.Plan(media, _options, allowStreamCopy: false, outputs: outputs), onProgress, cancellationToken);

    /// <summary>Whether two plans run the same FFmpeg command and are checked for the same length (to the millisecond's rounding).</summary>
    private bool IsSameRun(string inputPath, string outputPath, ConversionPlan first, ConversionPlan second) =>
        (first.Duration is null) == (second.Duration is null)
        && Math.Abs(((first.Duration ?? TimeSpan.Zero) - (second.Duration ?? TimeSpan.Zero)).TotalMilliseconds) < 5
        && FFmpegArguments.Convert(inputPath, outputPath, first, _options).SequenceEqual(FFmpegArguments.Convert(inputPath, outputPath, second, _options));

    /// <summary>
    /// The input read and its conversion planned: a remux from the input's own index where it states one
    /// (<see cref="IndexedRemux"/>, when <paramref name="fromIndex"/>), anything else from ffprobe's reading.
    /// </summary>
    /// <returns>Whether the plan came from the index (<c>Indexed</c>).</returns>
    private async Task<(MediaInfo Media, ConversionPlan Plan, bool Indexed)> ProbeAndPlanAsync(
        string inputPath, IReadOnlyList<string>? outputs, bool fromIndex, CancellationToken cancellationToken)
    {
        MediaInfo media;
        using (var activity = WorkerActivities.Start("probe input"))
        {
            if (fromIndex && TryPlanRemux(inputPath, outputs) is { } remux)
            {
                activity?.SetTag(TelemetryNames.InputProbe, "index");
                return (remux.Media, remux.Plan, true);
            }

            activity?.SetTag(TelemetryNames.InputProbe, "ffprobe");
            media = await probe.ProbeAsync(inputPath, cancellationToken);
        }

        return (media, ConversionPlanner.Plan(media, _options, outputs: outputs), false);
    }

    private (MediaInfo Media, ConversionPlan Plan)? TryPlanRemux(string inputPath, IReadOnlyList<string>? outputs) =>
        IndexedRemux.TryPlanOrLeaveToFFprobe(inputPath, _options, outputs, exception => LogIndexReadFailed(logger, exception));

    /// <returns>How long FFmpeg ran (the checks of its outputs not included), and what it made.</returns>
    private async Task<(TimeSpan Elapsed, JobOutputs Outputs)> RunAsync(
        string inputPath, string outputPath, ConversionPlan plan, Func<int, Task> onProgress, CancellationToken cancellationToken)
    {
        var files = OutputFiles.Beside(outputPath);
        files.Clear();
        files.CreateFolders(plan.Outputs);
        var arguments = FFmpegArguments.Convert(inputPath, outputPath, plan, _options);
        var progress = new ProgressTracker(plan.Duration);
        using var activity = WorkerActivities.Start("ffmpeg");
        activity?.SetTag(TelemetryNames.ConversionMethod, plan.Method);
        var started = Stopwatch.GetTimestamp();
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                _options.FFmpegPath, arguments, Path.GetDirectoryName(outputPath)!, _options.MaxConversionTime,
                line => progress.Update(line) is { } percent ? onProgress(percent) : Task.CompletedTask,
                cancellationToken,
                // FFmpeg writes a progress block about twice a second; silence means it hangs.
                silenceLimit: _options.StallTimeout,
                memoryLimitBytes: _options.MemoryLimitBytes);
        }
        catch (TimeoutException exception)
        {
            // The pixel budget keeps work that cannot fit out at probe time; a video that still
            // runs past the limit would run past it on every attempt, so this is final.
            activity.Failed(exception);
            throw new ConversionFailedException(
                $"The conversion took longer than the allowed {DurationText.Of(_options.MaxConversionTime)} and was stopped.",
                exception.Message, FailureCause.LimitExceeded);
        }
        catch (ProcessStalledException exception)
        {
            activity.Failed(exception);
            throw new SystemFaultException(FailureCause.Stalled,
                $"FFmpeg made no progress for {DurationText.Of(_options.StallTimeout)} and was stopped.", inner: exception);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        activity?.SetTag("process.exit.code", result.ExitCode);
        if (result.ExitCode != 0 && ProcessFaults.Of(_options.FFmpegPath, result) is { } fault)
        {
            // Killed (the OOM killer), crashed, out of memory or disk: not the file's doing, and
            // a copy that failed this way would not do better as a transcode on this attempt.
            activity.Failed(fault);
            throw fault;
        }

        if (result.ExitCode != 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, $"FFmpeg exited with code {result.ExitCode}.");
        }

        // The span covers FFmpeg only; the check below has its own.
        activity?.Dispose();

        // FFmpeg stops at the -fs limit, with or without an error depending on where it stopped.
        if (plan.Outputs.Mp4)
        {
            verifier.CheckSize(outputPath);
        }

        if (result.ExitCode != 0)
        {
            throw new ConversionFailedException(
                "The video could not be converted; the file may be damaged or use an encoding that cannot be read.",
                result.StandardErrorTail);
        }

        if (plan.Outputs.Mp4 && (!File.Exists(outputPath) || new FileInfo(outputPath).Length == 0))
        {
            throw new ConversionFailedException("The conversion produced no output.", result.StandardErrorTail);
        }

        using (WorkerActivities.Start("verify output"))
        {
            var mp4 = plan.Outputs.Mp4 ? await verifier.VerifyAsync(outputPath, plan, cancellationToken) : null;
            return (elapsed, await finisher.FinishAsync(files, plan, mp4, cancellationToken));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The remux planned from the input's own index failed ({Reason}); ffprobe's reading plans a {Method} instead, which runs")]
    private static partial void LogIndexedPlanDiffered(ILogger logger, string reason, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the input's own index failed; ffprobe reads it instead")]
    private static partial void LogIndexReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream copy ({Method}) failed: {Reason} {Diagnostics}; transcoding instead")]
    private static partial void LogStreamCopyFailed(ILogger logger, string method, string reason, string? diagnostics);
}
