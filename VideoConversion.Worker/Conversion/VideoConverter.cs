using Microsoft.Extensions.Options;

namespace VideoConversion.Worker.Conversion;

/// <summary>Probes an input, then converts it with FFmpeg to a browser-playable MP4, reporting progress.</summary>
public sealed class VideoConverter(MediaProbe probe, IOptions<ConversionOptions> options)
{
    private readonly ConversionOptions _options = options.Value;

    public async Task ConvertAsync(string inputPath, string outputPath, Func<int, Task> onProgress, CancellationToken cancellationToken)
    {
        var media = await probe.ProbeAsync(inputPath, cancellationToken);
        if (!media.HasVideo)
        {
            throw new ConversionFailedException("The file has no video stream.");
        }

        var arguments = FFmpegArguments.ForBrowserMp4(inputPath, outputPath, media, _options);
        var progress = new ProgressTracker(media.Duration);
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                _options.FFmpegPath, arguments, Path.GetDirectoryName(outputPath)!, _options.MaxConversionTime,
                line => progress.Update(line) is { } percent ? onProgress(percent) : Task.CompletedTask,
                cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new ConversionFailedException(
                $"The conversion took longer than the allowed {_options.MaxConversionTime} and was stopped.", exception.Message);
        }

        if (result.ExitCode != 0)
        {
            throw new ConversionFailedException("The video could not be converted; the file may be damaged or in an unsupported encoding.",
                result.StandardErrorTail);
        }

        if (!File.Exists(outputPath) || new FileInfo(outputPath).Length == 0)
        {
            throw new ConversionFailedException("The conversion produced no output.", result.StandardErrorTail);
        }
    }
}
