using Microsoft.Win32.SafeHandles;

namespace VideoConversion.Api.Data;

/// <summary>
/// The SQLite database's write-ahead log, flushed to disk by the <see cref="DatabaseWriter"/> after batches its connection
/// committed without syncing (<c>synchronous=NORMAL</c>). A flush makes durable everything written to the log before it
/// began, so one flush covers every batch committed while the last one ran.
/// </summary>
public sealed class WriteAheadLog(string path)
{
    public string Path { get; } = path;

    /// <summary>
    /// The log file's fsync. The file is opened for each flush: SQLite removes it when its last connection closes, after
    /// checkpointing it into the database file (which it syncs), and a handle kept open would flush a file no longer in use.
    /// While the writer's connection is open SQLite keeps the file; it can be gone only while the writer reconnects.
    /// </summary>
    /// <exception cref="IOException">The disk did not take the log (the writes it holds may not survive a power loss).</exception>
    public void Flush()
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return; // checkpointed and removed: what it held is in the database file, synced by SQLite
        }

        using (handle)
        {
            RandomAccess.FlushToDisk(handle);
        }
    }
}
