namespace VideoConversion.LoadTest;

/// <summary>A failure the tool reports in a sentence: a call refused, an input missing, a fault that cannot be injected here.</summary>
public sealed class LoadTestException(string message) : Exception(message);
