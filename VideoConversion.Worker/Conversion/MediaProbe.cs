using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace VideoConversion.Worker.Conversion;

/// <summary>Inspects an input with ffprobe before any conversion starts.</summary>
public sealed class MediaProbe(IOptions<ConversionOptions> options)
{
    private readonly ConversionOptions _options = options.Value;

    public async Task<MediaInfo> ProbeAsync(string inputPath, CancellationToken cancellationToken)
    {
        string[] arguments =
        [
            "-v", "error",
            "-protocol_whitelist", "file",
            "-print_format", "json",
            "-show_format", "-show_streams",
            inputPath,
        ];
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                _options.FFprobePath, arguments, Path.GetDirectoryName(inputPath)!, _options.ProbeTimeout, null, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            throw new ConversionFailedException("The file could not be read in time; it may be damaged.", exception.Message);
        }

        if (result.ExitCode != 0)
        {
            throw new ConversionFailedException("The file is not a readable video.", result.StandardErrorTail);
        }

        return Parse(result.StandardOutput);
    }

    /// <summary>Reads ffprobe's JSON (-show_format -show_streams).</summary>
    public static MediaInfo Parse(string ffprobeJson)
    {
        using var document = JsonDocument.Parse(ffprobeJson);
        var root = document.RootElement;

        var codecTypes = root.TryGetProperty("streams", out var streams) && streams.ValueKind == JsonValueKind.Array
            ? streams.EnumerateArray()
                .Select(stream => stream.TryGetProperty("codec_type", out var type) ? type.GetString() : null)
                .ToList()
            : [];

        TimeSpan? duration = null;
        if (root.TryGetProperty("format", out var format) &&
            format.TryGetProperty("duration", out var durationText) &&
            double.TryParse(durationText.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) &&
            seconds > 0)
        {
            duration = TimeSpan.FromSeconds(seconds);
        }

        return new MediaInfo(duration, codecTypes.Contains("video"), codecTypes.Contains("audio"));
    }
}
