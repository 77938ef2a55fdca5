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
        // "--rendition NAME" last: the command that one rendition of the ladder would take on its own (its own decode),
        // for the benchmark's comparison with the one decode that feeds them all.
        string? rendition = null;
        if (args is [.., "--rendition", var named])
        {
            rendition = named;
            args = args[..^2];
        }

        if (args is not [Name, var input, var output, ..] || args.Length > 4 || OutputsArgument.Parse(args) is not { } outputs)
        {
            await Console.Error.WriteLineAsync(
                $"usage: VideoConversion.Worker plan INPUT OUTPUT [{OutputsArgument.Usage}] [--rendition NAME]   (prints the FFmpeg arguments as JSON)");
            return 64;
        }

        using var host = ConvertCommand.BuildHost();
        var options = host.Services.GetRequiredService<IOptions<ConversionOptions>>().Value;
        try
        {
            var media = await host.Services.GetRequiredService<MediaProbe>().ProbeAsync(Path.GetFullPath(input), CancellationToken.None);
            var plan = ConversionPlanner.Plan(media, options, outputs: outputs);
            var renditions = plan.Outputs.Hls?.Renditions.Select(made => made.Name).ToList() ?? [];
            if (rendition is not null)
            {
                if (plan.Outputs.Hls is not { } hls || hls.Renditions.All(made => made.Name != rendition))
                {
                    await Console.Error.WriteLineAsync($"failed: the plan has no rendition '{rendition}' (it has: {string.Join(", ", renditions)})");
                    return 1;
                }

                // That rendition alone; the sound goes with the first rendition's run, as it goes once with the ladder.
                plan = plan with
                {
                    Audio = rendition == hls.Renditions[0].Name ? plan.Audio : null,
                    Outputs = new OutputsPlan(false, hls with { Renditions = [.. hls.Renditions.Where(made => made.Name == rendition)] }, null, null),
                };
            }

            var arguments = FFmpegArguments.Convert(Path.GetFullPath(input), Path.GetFullPath(output), plan, options);
            // The ffprobe a job runs on this input before its FFmpeg, or null where the worker reads the input's own index
            // instead: a benchmark counting the CPU of a job's child processes counts the same work on its raw side.
            var probe = ReadsOwnIndex(Path.GetFullPath(input), options, outputs)
                ? null
                : new { ffprobe = options.FFprobePath, arguments = FFmpegArguments.Probe(Path.GetFullPath(input)) };
            Console.WriteLine(JsonSerializer.Serialize(new { method = plan.Method, ffmpeg = options.FFmpegPath, arguments, renditions, probe }));
            return 0;
        }
        catch (ConversionFailedException failure)
        {
            await Console.Error.WriteLineAsync($"failed: {failure.Message}");
            return 1;
        }
    }

    /// <summary>Whether a job reads <paramref name="input"/> from its own index, as the worker first tries, instead of ffprobe's reading.</summary>
    private static bool ReadsOwnIndex(string input, ConversionOptions options, IReadOnlyList<string>? outputs) =>
        IndexedRemux.TryPlanOrLeaveToFFprobe(input, options, outputs, failed: _ => { }) is not null;
}
