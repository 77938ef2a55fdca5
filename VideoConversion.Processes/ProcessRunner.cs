using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace VideoConversion.Processes;

/// <summary>
/// Runs a program with an argument list (never a shell string), a time limit, an optional
/// silence limit, and cancellation; the whole process tree is killed when any of them fires.
/// The program starts with an empty environment: FFmpeg reads hostile files, and must find no
/// storage keys or broker password there if a file ever takes it over.
/// </summary>
public static class ProcessRunner
{
    /// <summary>How much of the end of standard error a result keeps by default: the end of FFmpeg's log says what went wrong.</summary>
    public const int StandardErrorTailLength = 8 * 1024;

    /// <summary>What a child process gets of an environment: messages in plain ASCII, nothing else.</summary>
    public static readonly IReadOnlyDictionary<string, string> ChildEnvironment = new Dictionary<string, string> { ["LC_ALL"] = "C" };

    /// <summary>util-linux's prlimit sets the limit and then becomes the program (same process).</summary>
    private const string PrlimitPath = "prlimit";

    /// <param name="onOutputLine">Receives standard output line by line; when null, standard output is collected.</param>
    /// <param name="silenceLimit">When set, the process is stopped if standard output stays silent this long (a hang).</param>
    /// <exception cref="TimeoutException">The process ran longer than <paramref name="timeout"/>.</exception>
    /// <param name="memoryLimitBytes">When set, the process's address space is capped (RLIMIT_AS): an allocation past it fails.</param>
    /// <param name="inheritEnvironment">For tools of our own (never FFmpeg on an upload): pass this process's environment on.</param>
    /// <param name="environment">Variables to set on top (a null value removes one).</param>
    /// <param name="standardInput">Written to the program's standard input, which is then closed; by default it is closed at once.</param>
    /// <param name="standardErrorLimit">How many characters of the end of standard error the result keeps; <see cref="int.MaxValue"/> for all.</param>
    /// <exception cref="ProcessStalledException">The process wrote nothing for <paramref name="silenceLimit"/>.</exception>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        Func<string, Task>? onOutputLine,
        CancellationToken cancellationToken,
        TimeSpan? silenceLimit = null,
        long? memoryLimitBytes = null,
        bool inheritEnvironment = false,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        int standardErrorLimit = StandardErrorTailLength)
    {
        // Looked up on the worker's PATH: the child's environment has none.
        var program = ExecutableLocator.Resolve(fileName) ?? fileName;
        var startInfo = new ProcessStartInfo(memoryLimitBytes is null ? program : ExecutableLocator.Resolve(PrlimitPath) ?? PrlimitPath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!inheritEnvironment)
        {
            startInfo.Environment.Clear();
            foreach (var (name, value) in ChildEnvironment)
            {
                startInfo.Environment[name] = value;
            }
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        if (memoryLimitBytes is { } limit)
        {
            startInfo.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--as={limit}"));
            startInfo.ArgumentList.Add("--");
            startInfo.ArgumentList.Add(program);
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start '{fileName}'.");

        using var timeoutSource = new CancellationTokenSource(timeout);
        using var silenceSource = new CancellationTokenSource(silenceLimit ?? Timeout.InfiniteTimeSpan);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token, silenceSource.Token);

        var output = new StringBuilder();
        var readOutput = ReadLinesAsync(process.StandardOutput, line =>
        {
            if (silenceLimit is { } limit)
            {
                silenceSource.CancelAfter(limit); // it spoke: the silence starts again
            }

            if (onOutputLine is not null)
            {
                return onOutputLine(line);
            }

            output.AppendLine(line);
            return Task.CompletedTask;
        });
        var errorTail = new TailBuffer(standardErrorLimit);
        var readError = ReadLinesAsync(process.StandardError, line =>
        {
            errorTail.AppendLine(line);
            return Task.CompletedTask;
        });
        // Written while the output is read and under the limits: a program that answers before it has read all its
        // input would otherwise block on a full pipe, and the runner with it.
        var writeInput = WriteInputAsync(process.StandardInput, standardInput, linked.Token);

        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
            await Task.WhenAll(readOutput, readError, writeInput).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"'{Path.GetFileName(fileName)}' did not finish within {timeout}.");
            }

            if (silenceSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new ProcessStalledException($"'{Path.GetFileName(fileName)}' made no progress for {silenceLimit}.");
            }

            throw;
        }

        return new ProcessResult(process.ExitCode, output.ToString(), errorTail.ToString());
    }

    private static async Task ReadLinesAsync(StreamReader reader, Func<string, Task> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            await onLine(line).ConfigureAwait(false);
        }
    }

    /// <summary>Closes standard input once <paramref name="input"/> is written: a program waiting for more fails instead of hanging.</summary>
    private static async Task WriteInputAsync(StreamWriter writer, string? input, CancellationToken cancellationToken)
    {
        try
        {
            if (input is not null)
            {
                await writer.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            writer.Close();
        }
        catch (IOException)
        {
            // The program ended, or closed its input, without reading it all: how it ended is its result.
        }
    }

    /// <summary>Keeps the last characters of a long output: the end of FFmpeg's log says what went wrong.</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();

        public void AppendLine(string line)
        {
            lock (_lock)
            {
                _text.AppendLine(line);
                if (_text.Length > capacity)
                {
                    _text.Remove(0, _text.Length - capacity);
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }
}
