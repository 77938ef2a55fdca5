using VideoConversion.Contracts.Jobs;

namespace VideoConversion.Worker.Conversion;

/// <summary>
/// The input cannot be converted, and trying again would not change that: the file's own fault.
/// The message is meant for the person who uploaded the video; <see cref="Diagnostics"/> carries
/// FFmpeg's own words.
/// </summary>
public sealed class ConversionFailedException(string message, string? diagnostics = null, FailureCause cause = FailureCause.InputRejected)
    : Exception(message)
{
    public string? Diagnostics { get; } = diagnostics;

    /// <summary><see cref="FailureCause.InputRejected"/>, <see cref="FailureCause.LimitExceeded"/> or <see cref="FailureCause.InputChanged"/>.</summary>
    public FailureCause Cause { get; } = cause;

    /// <summary>The video breaks a configured limit (size, length, frames, time): converting it another way would too.</summary>
    public bool BreaksLimit => Cause == FailureCause.LimitExceeded;
}
