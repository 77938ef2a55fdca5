using System.Text.Json;
using Microsoft.Extensions.Options;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Commands;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Worker.CommandLine;

/// <summary>
/// "plan INPUT OUTPUT": prints, as a JSON array, the FFmpeg arguments the worker would run for
/// INPUT with its configuration, without running them (outputs other than the MP4 go in folders
/// beside OUTPUT, which the caller creates: outputs/hls, outputs/storyboard, thumbnails). Benchmarks run exactly that command
/// directly to measure the floor the pipeline is compared with.
/// </summary>
public static class PlanCommand
{
    public const string Name = "plan";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not [Name, var input, var output, ..] || args.Length > 4 || OutputsArgument.Parse(args) is not { } outputs)
        {
            await Console.Error.WriteLineAsync($"usage: VideoConversion.Worker plan INPUT OUTPUT [{OutputsArgument.Usage}]   (prints the FFmpeg arguments as JSON)");
            return 64;
        }

        using var host = ConvertCommand.BuildHost();
        var options = host.Services.GetRequiredService<IOptions<ConversionOptions>>().Value;
        try
        {
            var media = await host.Services.GetRequiredService<MediaProbe>().ProbeAsync(Path.GetFullPath(input), CancellationToken.None);
            var plan = ConversionPlanner.Plan(media, options, outputs: outputs);
            var arguments = FFmpegArguments.Convert(Path.GetFullPath(input), Path.GetFullPath(output), plan, options);
            Console.WriteLine(JsonSerializer.Serialize(new { method = plan.Method, ffmpeg = options.FFmpegPath, arguments }));
            return 0;
        }
        catch (ConversionFailedException failure)
        {
            await Console.Error.WriteLineAsync($"failed: {failure.Message}");
            return 1;
        }
    }
}
