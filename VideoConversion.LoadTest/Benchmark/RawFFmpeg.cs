using System.Diagnostics;
using System.Text.Json;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The physical floor: the very FFmpeg command the worker would run for an input (asked from the
/// worker's own `plan` command), run directly, with no queue, storage or API around it.
/// </summary>
public sealed class RawFFmpeg(string workerBinary, string scratch)
{
    public async Task<(string Method, string FFmpeg, string[] Arguments)> PlanAsync(string input, string output, CancellationToken cancellationToken)
    {
        var (code, text, error) = workerBinary.EndsWith(".dll", StringComparison.Ordinal)
            ? await ProcessTools.RunAsync("dotnet", [workerBinary, "plan", input, output], cancellationToken)
            : await ProcessTools.RunAsync(workerBinary, ["plan", input, output], cancellationToken);
        if (code != 0)
        {
            throw new LoadTestException($"The worker could not plan {input}: {error}");
        }

        var plan = JsonDocument.Parse(text).RootElement;
        return (plan.GetProperty("method").GetString()!, plan.GetProperty("ffmpeg").GetString()!,
            [.. plan.GetProperty("arguments").EnumerateArray().Select(argument => argument.GetString()!)]);
    }

    /// <summary>Runs the worker's command for <paramref name="input"/> <paramref name="count"/> times, <paramref name="parallel"/> at once.</summary>
    /// <returns>Each run's wall time, and the wall time of all of them.</returns>
    public async Task<(List<double> Runs, double Total)> RunAsync(string input, int count, int parallel, CancellationToken cancellationToken)
    {
        // Every command is planned before the clock starts: asking the worker is not part of the floor.
        var commands = new List<(string Output, string FFmpeg, string[] Arguments)>();
        for (var index = 0; index < count; index++)
        {
            var output = Path.Combine(scratch, $"raw-{index}.mp4");
            var (_, ffmpeg, arguments) = await PlanAsync(input, output, cancellationToken);
            commands.Add((output, ffmpeg, arguments));
        }

        var runs = new List<double>();
        var total = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(commands.Select(async command =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var (output, ffmpeg, arguments) = command;
                var started = Stopwatch.GetTimestamp();
                var (code, _, error) = await ProcessTools.RunAsync(ffmpeg, arguments, cancellationToken, TimeSpan.FromHours(1));
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                File.Delete(output);
                if (code != 0)
                {
                    throw new LoadTestException($"FFmpeg failed on {input}: {error}");
                }

                lock (runs)
                {
                    runs.Add(seconds);
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return (runs, total.Elapsed.TotalSeconds);
    }
}
