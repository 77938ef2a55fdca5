using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VideoConversion.Processes;

namespace VideoConversion.Worker.Conversion;

/// <summary>Ready only while FFmpeg answers: a worker without it would fail every job it takes.</summary>
internal sealed class FFmpegHealthCheck(IOptions<ConversionOptions> options) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ffmpeg = ExecutableLocator.Resolve(options.Value.FFmpegPath);
        if (ffmpeg is null)
        {
            return HealthCheckResult.Unhealthy($"FFmpeg '{options.Value.FFmpegPath}' was not found.");
        }

        try
        {
            var result = await ProcessRunner.RunAsync(ffmpeg, ["-hide_banner", "-version"], Path.GetTempPath(), Timeout, null, cancellationToken);
            return result.ExitCode == 0
                ? HealthCheckResult.Healthy(result.StandardOutput.Split('\n', 2)[0])
                : HealthCheckResult.Unhealthy($"FFmpeg exited with code {result.ExitCode}.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("FFmpeg does not run.", exception);
        }
    }
}
