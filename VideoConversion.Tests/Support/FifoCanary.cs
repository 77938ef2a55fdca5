using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A named pipe that tells whether anyone opened it. Opening a pipe for writing blocks until a
/// reader opens the other end, so a writer that got through means some process read the path.
/// </summary>
public sealed class FifoCanary : IDisposable
{
    private readonly Task _writer;
    private volatile bool _released;
    private volatile bool _opened;

    private FifoCanary(string path)
    {
        Path = path;
        _writer = Task.Factory.StartNew(() =>
        {
            using var pipe = new FileStream(path, FileMode.Open, FileAccess.Write);
            if (!_released)
            {
                _opened = true;
            }
        }, TaskCreationOptions.LongRunning);
    }

    public string Path { get; }

    /// <summary>
    /// Whether the pipe was opened. Waits a moment first: the writer thread may not yet have
    /// noticed an open that happened just before the question.
    /// </summary>
    public bool WasOpened
    {
        get
        {
            _writer.Wait(TimeSpan.FromMilliseconds(500));
            return _opened;
        }
    }

    public static async Task<FifoCanary> CreateAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("mkfifo", ["-m", "600", path], System.IO.Path.GetTempPath(),
            TimeSpan.FromSeconds(10), null, CancellationToken.None);
        Assert.True(result.ExitCode == 0, result.StandardErrorTail);
        return new FifoCanary(path);
    }

    /// <summary>Opens the reading end itself, so the waiting writer returns, without counting that as a read.</summary>
    public void Dispose()
    {
        _released = true;
        if (!_writer.IsCompleted)
        {
            // On a thread of its own: should the writer finish first, this open would wait for a writer that never comes.
            var reader = Task.Factory.StartNew(() => new FileStream(Path, FileMode.Open, FileAccess.Read).Dispose(), TaskCreationOptions.LongRunning);
            Task.WaitAll([_writer, reader], TimeSpan.FromSeconds(10));
        }

        File.Delete(Path);
    }
}
