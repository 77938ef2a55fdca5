using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>The npm-based S3-compatible server in tools/s3-standin, used when MinIO is absent.</summary>
internal static class S3StandIn
{
    public static string Directory(AppHostSettings settings) =>
        Path.Combine(settings.RepositoryRoot, "tools", "s3-standin");

    public static bool IsInstalled(AppHostSettings settings) =>
        ExecutableLocator.Resolve(settings.NodePath) is not null &&
        System.IO.Directory.Exists(Path.Combine(Directory(settings), "node_modules", "@20minutes", "s3rver"));
}
