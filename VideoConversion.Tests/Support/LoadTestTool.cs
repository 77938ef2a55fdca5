using System.Text.Json;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>Runs the VideoConversion.LoadTest console as a user does, and reads the JSON report it wrote.</summary>
public static class LoadTestTool
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "VideoConversion.LoadTest.dll");

    /// <summary>Runs a command that writes its reports to <paramref name="outputDirectory"/> (--output-dir).</summary>
    public static async Task<(int ExitCode, string Output, JsonElement Report, string[] Files)> RunAsync(
        string outputDirectory, TimeSpan timeout, params string[] arguments)
    {
        var (exitCode, text) = await RunInAsync(outputDirectory, timeout, [.. arguments, "--output-dir", outputDirectory]);
        var files = Directory.Exists(outputDirectory) ? Directory.GetFiles(outputDirectory) : [];
        var json = files.Where(file => file.EndsWith(".json", StringComparison.Ordinal)).OrderBy(File.GetLastWriteTimeUtc).LastOrDefault();
        var report = json is null ? default : JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.Clone();
        return (exitCode, text, report, files);
    }

    /// <summary>Runs the tool with exactly <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunInAsync(string workingDirectory, TimeSpan timeout, string[] arguments)
    {
        Directory.CreateDirectory(workingDirectory);
        var result = await ProcessRunner.RunAsync("dotnet", [Assembly, .. arguments], workingDirectory, timeout, null, CancellationToken.None, inheritEnvironment: true);
        return (result.ExitCode, result.StandardOutput + result.StandardErrorTail);
    }
}
