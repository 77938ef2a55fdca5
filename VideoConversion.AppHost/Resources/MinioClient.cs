using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// MinIO's client, which creates the services' users on a host-run MinIO. Debian and Ubuntu call
/// Midnight Commander "mc" and Arch calls MinIO's client "mcli", so a candidate counts only if it
/// says it is MinIO's.
/// </summary>
internal static class MinioClient
{
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(5);

    public static string? Find(string? configured) =>
        (configured is null ? ["mc", "mcli"] : new[] { configured })
        .Select(ExecutableLocator.Resolve)
        .FirstOrDefault(path => path is not null && IsMinioClient(path));

    private static bool IsMinioClient(string path) =>
        QuickCommand.Run(path, "--version", VersionTimeout)?.Output.Contains("MinIO", StringComparison.Ordinal) == true;
}
