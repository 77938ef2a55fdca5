namespace VideoConversion.Infrastructure.Outbound;

/// <summary>A URL a user gave that the system will not call; the message says why, fit to show that user.</summary>
/// <param name="NameNotFound">
/// Refused because its name does not exist (now): final for a URL given in a request, but a receiver whose
/// DNS is down a while may come back, so a webhook delivery tries again on its schedule.
/// </param>
public sealed class OutboundTargetRefusedException(string message, bool nameNotFound = false) : Exception(message)
{
    public bool NameNotFound { get; } = nameNotFound;
}
