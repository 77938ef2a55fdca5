using System.Runtime.InteropServices;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>The machine numbers were measured on, as a report states it.</summary>
public static class MachineInfo
{
    public static async Task<string> DescribeAsync(CancellationToken cancellationToken)
    {
        var cpu = Read("/proc/cpuinfo", "model name") ?? "unknown CPU";
        var memory = Read("/proc/meminfo", "MemTotal") is { } total && long.TryParse(total.Split(' ')[0], out var kilobytes)
            ? $"{kilobytes / 1024.0 / 1024.0:F0} GiB RAM"
            : "unknown RAM";
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(line => line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"')
            : RuntimeInformation.OSDescription;
        var (_, ffmpeg, _) = await ProcessTools.RunAsync("ffmpeg", ["-hide_banner", "-version"], cancellationToken);
        var ffmpegVersion = string.Join(' ', ffmpeg.Split('\n')[0].Split(' ').Take(3));
        return $"{cpu}, {Environment.ProcessorCount} cores, {memory}, {os}; {RuntimeInformation.FrameworkDescription}; {ffmpegVersion}";
    }

    private static string? Read(string file, string key) =>
        File.Exists(file)
            ? File.ReadLines(file).FirstOrDefault(line => line.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
}
