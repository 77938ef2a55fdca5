namespace VideoConversion.Worker.Conversion;

/// <summary>How a process ended: its exit code, all it wrote to stdout, and the end of what it wrote to stderr.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardErrorTail)
{
    /// <summary>
    /// The signal that ended the process, or null when it exited by itself. .NET reports a
    /// process killed by signal N as exit code 128 + N; FFmpeg's own error exits are 1 and 255
    /// (it catches SIGINT and SIGTERM and exits 255), so the two do not meet.
    /// </summary>
    public int? TerminatingSignal => ExitCode is > 128 and < 128 + 65 ? ExitCode - 128 : null;
}
