namespace VideoConversion.Infrastructure.Outbound;

/// <summary>A URL a user gave that the system will not call; the message says why, fit to show that user.</summary>
public sealed class OutboundTargetRefusedException(string message) : Exception(message);
