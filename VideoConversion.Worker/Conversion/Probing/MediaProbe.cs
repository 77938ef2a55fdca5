using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Processes;
using VideoConversion.Worker.Conversion.Commands;
using VideoConversion.Worker.Conversion.Runs;

namespace VideoConversion.Worker.Conversion.Probing;

/// <summary>
/// Inspects a file with ffprobe, sandboxed and within time and size limits, and turns its
/// failures into messages for the person who uploaded the file.
/// </summary>
public sealed partial class MediaProbe(IOptions<ConversionOptions> options)
{
    private readonly ConversionOptions _options = options.Value;

    /// <exception cref="ConversionFailedException">The file is empty, refused, or not a readable video.</exception>
    /// <exception cref="SystemFaultException">ffprobe was killed, crashed or ran out of memory.</exception>
    public Task<MediaInfo> ProbeAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(path, FFmpegArguments.Probe(path), cancellationToken);

    /// <summary>A file this worker made, every frame of it decoded (<see cref="StreamInfo.DecodedFrames"/>): what a check that it plays needs.</summary>
    public Task<MediaInfo> ProbeDecodingAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(path, FFmpegArguments.ProbeDecoding(path), cancellationToken);

    /// <summary>A JPEG this worker made (a poster, a storyboard sheet): read as a picture, which uploads never are.</summary>
    /// <exception cref="ConversionFailedException">The file is empty or not a readable JPEG.</exception>
    public Task<MediaInfo> ProbePictureAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(path, FFmpegArguments.ProbePicture(path), cancellationToken);

    private async Task<MediaInfo> RunAsync(string path, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        if (new FileInfo(path).Length == 0)
        {
            throw new ConversionFailedException("The file is empty.");
        }

        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                _options.FFprobePath, arguments, Path.GetDirectoryName(path)!, _options.ProbeTimeout, null, cancellationToken,
                memoryLimitBytes: _options.MemoryLimitBytes);
        }
        catch (TimeoutException exception)
        {
            // A starved node is as likely as a hostile file: retried, and bounded by the attempts.
            throw new SystemFaultException(FailureCause.Stalled, $"ffprobe did not finish within {_options.ProbeTimeout}.", inner: exception);
        }

        if (result.ExitCode != 0)
        {
            // Killed, crashed or out of memory: that says nothing about the file.
            if (ProcessFaults.Of(_options.FFprobePath, result) is { } fault)
            {
                throw fault;
            }

            throw new ConversionFailedException(Explain(result.StandardErrorTail), result.StandardErrorTail);
        }

        try
        {
            return FFprobeOutput.Parse(result.StandardOutput);
        }
        catch (JsonException exception)
        {
            throw new ConversionFailedException("The file is not a video in a supported format, or it is damaged.", exception.Message);
        }
    }

    /// <summary>A sentence a user understands for what ffprobe wrote to standard error.</summary>
    public static string Explain(string standardError)
    {
        if (RefusedFormat().Match(standardError) is { Success: true } refused)
        {
            return ContainerFormats.Describe(refused.Groups["demuxer"].Value) is { } kind
                ? $"The file is {kind}, not a video in an accepted format ({ContainerFormats.Names})."
                : $"The file is not a video in an accepted format ({ContainerFormats.Names}).";
        }

        if (RefusedProtocol().IsMatch(standardError))
        {
            return "The file refers to other files or network addresses, which is not allowed.";
        }

        return "The file is not a video in a supported format, or it is damaged.";
    }

    [GeneratedRegex(@"\[(?<demuxer>[\w,]+) @ [0-9a-fx]+\] Format not on whitelist")]
    private static partial Regex RefusedFormat();

    [GeneratedRegex(@"Protocol '[^']*' not on whitelist")]
    private static partial Regex RefusedProtocol();
}
