namespace VideoConversion.Worker.Conversion;

/// <summary>What ffprobe found in an input, as far as building the conversion needs it.</summary>
public sealed record MediaInfo(TimeSpan? Duration, bool HasVideo, bool HasAudio);
