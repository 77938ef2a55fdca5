namespace VideoConversion.Worker.Conversion;

/// <summary>
/// The input cannot be converted, and trying again would not change that. The message is meant
/// for the person who uploaded the video; <see cref="Diagnostics"/> carries FFmpeg's own words.
/// </summary>
public sealed class ConversionFailedException(string message, string? diagnostics = null, bool breaksLimit = false) : Exception(message)
{
    public string? Diagnostics { get; } = diagnostics;

    /// <summary>The video breaks a configured limit (size, length, frames): converting it another way would too.</summary>
    public bool BreaksLimit { get; } = breaksLimit;
}
