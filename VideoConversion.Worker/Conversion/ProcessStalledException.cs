namespace VideoConversion.Worker.Conversion;

/// <summary>A program stopped reporting progress and was killed.</summary>
public sealed class ProcessStalledException(string message) : Exception(message);
