namespace VideoConversion.Processes;

public static class ExecutableLocator
{
    /// <summary>The full path of a program given by path or by name on PATH; null when absent.</summary>
    public static string? Resolve(string program)
    {
        if (string.IsNullOrWhiteSpace(program))
        {
            return null;
        }

        if (Path.IsPathRooted(program) || program.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(program) ? Path.GetFullPath(program) : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
    }
}
