using System.Text.Json;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Tests.Support;

/// <summary>Runs the VideoConversion.LoadTest console as a user does, and reads the JSON report it wrote.</summary>
public static class LoadTestTool
{
    private static readonly string Assembly = Path.Combine(AppContext.BaseDirectory, "VideoConversion.LoadTest.dll");

    public static async Task<(int ExitCode, string Output, JsonElement Report, string[] Files)> RunAsync(
        string outputDirectory, TimeSpan timeout, params string[] arguments)
    {
        Directory.CreateDirectory(outputDirectory);
        var result = await ProcessRunner.RunAsync(
            "dotnet", [Assembly, .. arguments, "--output-dir", outputDirectory], outputDirectory, timeout, null, CancellationToken.None);
        var files = Directory.Exists(outputDirectory) ? Directory.GetFiles(outputDirectory) : [];
        var json = files.Where(file => file.EndsWith(".json", StringComparison.Ordinal)).OrderBy(File.GetLastWriteTimeUtc).LastOrDefault();
        var report = json is null ? default : JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement.Clone();
        return (result.ExitCode, result.StandardOutput + result.StandardErrorTail, report, files);
    }
}
