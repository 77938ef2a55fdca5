using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Jobs;

namespace VideoConversion.Worker.Conversion;

/// <summary>
/// An attempt failed through a fault of the system, not of the file: FFmpeg or ffprobe was killed,
/// crashed or ran out of memory, the scratch disk is full, or FFmpeg hung. The attempt is retried
/// (see <see cref="RetryPolicy"/>). The message is for operators; uploaders get the policy's.
/// </summary>
public sealed class SystemFaultException(FailureCause cause, string message, string? diagnostics = null, Exception? inner = null)
    : Exception(message, inner)
{
    public FailureCause Cause { get; } = cause;

    public string? Diagnostics { get; } = diagnostics;
}
