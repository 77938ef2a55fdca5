using System.Globalization;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// A private directory for one job's files, removed with everything in it when disposed:
/// whatever the outcome, a job leaves nothing behind.
/// </summary>
public sealed class ScratchDirectory : IDisposable
{
    private ScratchDirectory(string path) => Path = path;

    public string Path { get; }

    public static ScratchDirectory Create(string root, string jobId)
    {
        var path = System.IO.Path.Combine(root, $"{jobId}-{Guid.NewGuid():N}");
        // Owner-only: other local users must not read or swap the files FFmpeg works on.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new ScratchDirectory(path);
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// The input's name in the directory, whatever its key: FFmpeg gets no name chosen by a user, only a safe extension
    /// (which helps it guess the format).
    /// </summary>
    public static string InputName(string key)
    {
        var extension = System.IO.Path.GetExtension(key);
        return "input" + (extension.Length is > 1 and <= 6 && extension[1..].All(char.IsAsciiLetterOrDigit) ? extension.ToLowerInvariant() : "");
    }

    /// <summary>
    /// Room the disk must have before a download: the input, as much again for each MP4's worth of outputs (a job with an
    /// HLS ladder writes about 2.8 of them: <see cref="Contracts.Outputs.OutputKinds.Work"/>), and a margin.
    /// </summary>
    public static long RoomNeeded(long inputBytes, double work = 1.0) => inputBytes + (long)(inputBytes * work) + 64L * 1024 * 1024;

    /// <summary>Bytes free on the disk that holds this directory.</summary>
    public long FreeBytes() => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>A full disk is the system's fault, never the file's: the job is retried, on this worker later or another.</summary>
    /// <exception cref="SystemFaultException">Fewer than <paramref name="neededBytes"/> are free.</exception>
    public void EnsureRoom(long neededBytes)
    {
        var free = FreeBytes();
        if (free < neededBytes)
        {
            throw new SystemFaultException(FailureCause.ScratchDiskFull, string.Create(CultureInfo.InvariantCulture,
                $"The scratch disk has {free:N0} bytes free; the job needs {neededBytes:N0}."));
        }
    }

    public void Dispose()
    {
        // Cleanup must never turn a finished job into a failed one; the janitor retries at next start.
        TryDelete(new DirectoryInfo(Path));
    }

    /// <summary>
    /// Removes directories left by a worker that was killed mid-job. Only old ones: another worker
    /// on the same machine may be using the same root right now.
    /// </summary>
    public static int PurgeStale(string root, TimeSpan olderThan, DateTimeOffset now)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var purged = 0;
        foreach (var directory in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (now - directory.LastWriteTimeUtc > olderThan && TryDelete(directory))
            {
                purged++;
            }
        }

        return purged;
    }

    private static bool TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false; // already gone (another worker's janitor) or not ours to remove
        }
    }
}
