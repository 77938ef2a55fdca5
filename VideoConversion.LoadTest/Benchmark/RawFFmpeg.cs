using System.Diagnostics;
using System.Text.Json;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The physical floor: the very FFmpeg command the worker would run for an input (asked from the
/// worker's own `plan` command), run directly, with no queue, storage or API around it.
/// </summary>
/// <param name="partOf">The part of the system a process is (<see cref="SystemParts"/>), for where the cores' time went while FFmpeg ran.</param>
public sealed class RawFFmpeg(string workerBinary, string scratch, Func<int, string?> partOf)
{
    /// <param name="outputs">What to make, as a job names it ("mp4,hls"); null for the MP4 alone.</param>
    /// <param name="rendition">The one HLS rendition to make, on its own: the command a run per rendition would take.</param>
    /// <returns>
    /// The plan's method, FFmpeg and its arguments, the HLS renditions, and the ffprobe the worker runs on the input
    /// before its FFmpeg (null where it reads the input's own index instead).
    /// </returns>
    public async Task<(string Method, string FFmpeg, string[] Arguments, string[] Renditions, Probe? InputProbe)> PlanAsync(
        string input, string output, CancellationToken cancellationToken, string? outputs = null, string? rendition = null)
    {
        string[] planArguments = ["plan", input, output, .. outputs is null ? [] : new[] { outputs }, .. rendition is null ? [] : new[] { "--rendition", rendition }];
        var (code, text, error) = workerBinary.EndsWith(".dll", StringComparison.Ordinal)
            ? await ProcessTools.RunAsync("dotnet", [workerBinary, .. planArguments], cancellationToken)
            : await ProcessTools.RunAsync(workerBinary, planArguments, cancellationToken);
        if (code != 0)
        {
            throw new LoadTestException($"The worker could not plan {input}: {error}");
        }

        var plan = JsonDocument.Parse(text).RootElement;
        return (plan.GetProperty("method").GetString()!, plan.GetProperty("ffmpeg").GetString()!, Strings(plan.GetProperty("arguments")),
            Strings(plan.GetProperty("renditions")),
            plan.GetProperty("probe") is { ValueKind: JsonValueKind.Object } probe
                ? new Probe(probe.GetProperty("ffprobe").GetString()!, Strings(probe.GetProperty("arguments")))
                : null);

        static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(item => item.GetString()!)];
    }

    /// <summary>An ffprobe command, as the worker runs it on an input.</summary>
    public sealed record Probe(string FFprobe, string[] Arguments);

    /// <summary>
    /// An HLS ladder both ways, one after the other: one FFmpeg whose one decode feeds every rendition (the worker's
    /// way), and one FFmpeg per rendition, each decoding the input again.
    /// </summary>
    /// <returns>The wall time of the one run, and of all the separate runs together; the renditions' names.</returns>
    public async Task<(double OneDecode, double SeparateRuns, string[] Renditions)> LadderAsync(string input, CancellationToken cancellationToken)
    {
        var output = Path.Combine(scratch, "ladder", "output.mp4");
        var (_, ffmpeg, arguments, renditions, _) = await PlanAsync(input, output, cancellationToken, "hls");
        List<string[]> separate = [];
        foreach (var rendition in renditions)
        {
            separate.Add((await PlanAsync(input, output, cancellationToken, "hls", rendition)).Arguments);
        }

        var oneDecode = await TimeAsync(ffmpeg, arguments, output, cancellationToken);
        var separateRuns = 0.0;
        foreach (var single in separate)
        {
            separateRuns += await TimeAsync(ffmpeg, single, output, cancellationToken);
        }

        return (oneDecode, separateRuns, renditions);
    }

    /// <summary>Runs one command in a fresh folder with the layout the worker's commands write into.</summary>
    private static async Task<double> TimeAsync(string ffmpeg, string[] arguments, string output, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(output)!;
        Prepare(folder);
        var started = Stopwatch.GetTimestamp();
        var (code, _, error) = await ProcessTools.RunAsync(ffmpeg, arguments, cancellationToken, TimeSpan.FromHours(1));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Directory.Delete(folder, recursive: true);
        return code == 0 ? seconds : throw new LoadTestException($"FFmpeg failed: {error}");
    }

    /// <summary>The folders FFmpeg writes the outputs other than the MP4 into (it creates none itself).</summary>
    private static void Prepare(string folder)
    {
        foreach (var sub in new[] { "outputs/hls", "outputs/storyboard", "thumbnails" })
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
        }
    }

    /// <summary>Runs the worker's command for <paramref name="input"/> <paramref name="count"/> times, <paramref name="parallel"/> at once.</summary>
    /// <param name="outputs">What each run makes ("mp4,hls,poster,storyboard"); null for the MP4 alone.</param>
    /// <returns>
    /// Each run's wall time, the wall time of all of them, and the CPU time all of them used with the ffprobe the worker
    /// runs on the input before each (run after them, out of the wall time: the floor is FFmpeg's): a job's child
    /// processes do the same work. This process runs no other child meanwhile; the planning is done before. And where the
    /// cores' time went while the clock ran (FFmpeg alone converting: the ffprobe runs after it).
    /// </returns>
    public async Task<(List<double> Runs, double Total, double CpuSeconds, CoresTime Cores)> RunAsync(string input, int count, int parallel, CancellationToken cancellationToken, string? outputs = null)
    {
        // Every command is planned before the clock starts: asking the worker is not part of the floor.
        var commands = new List<(string Output, string FFmpeg, string[] Arguments)>();
        var probes = new List<Probe>();
        for (var index = 0; index < count; index++)
        {
            var output = Path.Combine(scratch, $"raw-{index}", "output.mp4");
            Prepare(Path.GetDirectoryName(output)!);
            var (_, ffmpeg, arguments, _, probe) = await PlanAsync(input, output, cancellationToken, outputs);
            commands.Add((output, ffmpeg, arguments));
            if (probe is not null)
            {
                probes.Add(probe);
            }
        }

        var runs = new List<double>();
        var cpuBefore = ChildrenCpuTime.OfThisProcess();
        var cores = CoresClock.Start(partOf, [Environment.ProcessId])
            ?? throw new LoadTestException("/proc/self/stat could not be read: CPU time is measured on Linux only.");
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
                Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
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
        var wall = total.Elapsed.TotalSeconds;
        var coresTime = cores.Stop() ?? throw new LoadTestException("/proc/self/stat could not be read.");
        foreach (var probe in probes)
        {
            var (code, _, error) = await ProcessTools.RunAsync(probe.FFprobe, probe.Arguments, cancellationToken);
            if (code != 0)
            {
                throw new LoadTestException($"ffprobe failed on {input}: {error}");
            }
        }

        return (runs, wall, ChildrenCpuTime.OfThisProcess() - cpuBefore, coresTime);
    }
}
