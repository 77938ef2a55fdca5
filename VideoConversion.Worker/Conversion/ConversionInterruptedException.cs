namespace VideoConversion.Worker.Conversion;

/// <summary>
/// FFmpeg was stopped because it hung or ran past its time limit. Unlike a
/// <see cref="ConversionFailedException"/> this counts as a failed attempt: the job is retried,
/// on this or another worker, and fails only when its attempts run out. The message is for the uploader.
/// </summary>
public sealed class ConversionInterruptedException(string message, Exception cause) : Exception(message, cause);
