namespace VideoConversion.Worker.Conversion;

/// <summary>How a process ended: its exit code, all it wrote to stdout, and the end of what it wrote to stderr.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardErrorTail);
