namespace VideoConversion.Tests.Support;

public static class RepositoryPaths
{
    /// <summary>The repository's root: the directory above the test binaries that holds VideoConversion.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "VideoConversion.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("VideoConversion.sln not found above the test binaries.");
    }
}
