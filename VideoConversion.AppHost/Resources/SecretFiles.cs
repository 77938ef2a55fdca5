namespace VideoConversion.AppHost.Resources;

/// <summary>Files that hold credentials, written for the processes and containers that read them.</summary>
internal static class SecretFiles
{
    /// <param name="readableByOthers">
    /// For a container whose process runs as another user. The file's directory is then made the
    /// owner's alone, so other local users still cannot reach it.
    /// </param>
    public static async Task WriteAsync(string path, string content, bool readableByOthers, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!OperatingSystem.IsWindows())
        {
            if (readableByOthers)
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                mode |= UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            }

            if (File.Exists(path))
            {
                File.SetUnixFileMode(path, mode); // before new content goes in
            }
        }

        // Owner-only (or as asked) from the moment it exists.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        await using var writer = new StreamWriter(path, options);
        await writer.WriteAsync(content.AsMemory(), cancellationToken);
    }
}
