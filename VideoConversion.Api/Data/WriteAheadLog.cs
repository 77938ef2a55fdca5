using Microsoft.Win32.SafeHandles;

namespace VideoConversion.Api.Data;

/// <summary>
/// The SQLite database's write-ahead log, held open for as long as the <see cref="DatabaseWriter"/>'s connection is, and
/// flushed to disk after batches that connection committed without syncing (<c>synchronous=NORMAL</c>). A flush makes
/// durable everything written to the log before it began, so one flush covers every batch committed while the last ran.
/// </summary>
/// <remarks>
/// One handle for the connection's life, not one per flush: Linux reports a write error of the file to the handles open
/// when it happened, and a handle opened after SQLite's own sync had seen (and dropped) it would flush "successfully".
/// While the writer's connection is open SQLite neither removes nor replaces the file, so the handle stays on the log
/// its commits go to.
/// </remarks>
public sealed class WriteAheadLog : IDisposable
{
    private readonly SafeFileHandle _handle;

    private WriteAheadLog(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    public string Path { get; }

    /// <summary>The log at <paramref name="path"/>, or null when there is none (then no flush could make anything durable).</summary>
    public static WriteAheadLog? Open(string path)
    {
        try
        {
            return new WriteAheadLog(path, File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The log file's fsync.</summary>
    /// <exception cref="IOException">The disk did not take the log (the writes it holds may not survive a power loss).</exception>
    public void Flush() => RandomAccess.FlushToDisk(_handle);

    public void Dispose() => _handle.Dispose();
}
