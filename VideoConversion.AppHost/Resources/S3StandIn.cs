using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>The npm-based S3-compatible server in tools/s3-standin, used when MinIO is absent.</summary>
internal static class S3StandIn
{
    public static string Directory(AppHostSettings settings) =>
        Path.Combine(settings.RepositoryRoot, "tools", "s3-standin");

    /// <summary>Node is there, and so is every dependency its package.json names (a checkout may have added one since the last install).</summary>
    public static bool IsInstalled(AppHostSettings settings)
    {
        if (ExecutableLocator.Resolve(settings.NodePath) is null)
        {
            return false;
        }

        using var package = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory(settings), "package.json")));
        return package.RootElement.GetProperty("dependencies").EnumerateObject().All(dependency =>
            File.Exists(Path.Combine(Directory(settings), "node_modules", dependency.Name, "package.json")));
    }
}
