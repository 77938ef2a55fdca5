namespace VideoConversion.Processes;

/// <summary>A program stopped reporting progress and was killed.</summary>
public sealed class ProcessStalledException(string message) : Exception(message);
