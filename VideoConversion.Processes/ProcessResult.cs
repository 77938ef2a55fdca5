namespace VideoConversion.Processes;

/// <summary>How a process ended: its exit code, all it wrote to stdout, and the end of what it wrote to stderr.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardErrorTail)
{
    /// <summary>SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGSEGV: how a process is crashed or killed.</summary>
    private static readonly int[] CrashSignals = [4, 6, 7, 8, 9, 11];

    /// <summary>
    /// The signal that ended the process, or null when it exited by itself. .NET reports a process
    /// killed by signal N as exit code 128 + N. Only the crash and kill signals count: FFmpeg 6.1
    /// and later exit with their error code's low byte (183 for invalid data, 187 for end of file),
    /// which would otherwise read as signals 55 and 59; none of those lands on 128 + a crash signal.
    /// </summary>
    public int? TerminatingSignal => ExitCode > 128 && CrashSignals.Contains(ExitCode - 128) ? ExitCode - 128 : null;
}
