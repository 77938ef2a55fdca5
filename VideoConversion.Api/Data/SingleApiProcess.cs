namespace VideoConversion.Api.Data;

/// <summary>
/// SQLite allows one API process: a second one on the same file (replicas set to two, a second pod on the volume, a copy
/// started by hand) is refused at its start, whatever started it, rather than left to corrupt the file or double the
/// once-only duties. The lock is the operating system's on a file beside the database, so it ends with the process
/// however the process ends. PostgreSQL takes any number of API processes.
/// </summary>
public static class SingleApiProcess
{
    private static FileStream? s_held;

    public static void Claim(JobDatabase database)
    {
        if (database.SqliteFile is not { } file || s_held is not null)
        {
            return;
        }

        s_held = TryHold(file) ?? throw new InvalidOperationException(
                $"Another API process uses the SQLite database {file}: SQLite allows one API process. Run one, " +
                "or run several on PostgreSQL (Database:Provider=PostgreSQL; the AppHost: VideoConversion:Database=PostgreSQL).");
    }

    /// <summary>
    /// The lock of <paramref name="sqliteFile"/>, held until the stream is disposed (or the process ends); null when an API
    /// process holds it. A copy of the file to another database holds it too, so that no API writes what the copy misses.
    /// </summary>
    public static FileStream? TryHold(string sqliteFile)
    {
        var lockFile = sqliteFile + ".api-lock";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockFile))!);
        try
        {
            // FileShare.None is an exclusive flock on Linux: a second process's open fails while this one lives.
            return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
