using Microsoft.Extensions.Options;
using VideoConversion.Processes;

namespace VideoConversion.Worker.Conversion;

/// <summary>Fails start-up, naming the setting, when FFmpeg or ffprobe cannot be found.</summary>
internal sealed class ConversionOptionsValidator : IValidateOptions<ConversionOptions>
{
    public ValidateOptionsResult Validate(string? name, ConversionOptions options)
    {
        var failures = new List<string>();
        if (ExecutableLocator.Resolve(options.FFmpegPath) is null)
        {
            failures.Add($"Conversion:FFmpegPath '{options.FFmpegPath}' is not an executable on PATH (install FFmpeg, e.g. 'apt-get install ffmpeg').");
        }

        if (ExecutableLocator.Resolve(options.FFprobePath) is null)
        {
            failures.Add($"Conversion:FFprobePath '{options.FFprobePath}' is not an executable on PATH (it ships with FFmpeg).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
