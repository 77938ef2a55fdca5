namespace VideoConversion.Infrastructure.Outbound;

/// <summary>
/// A name that could not be looked up now (the resolver failed or did not answer in time): a fault on our
/// side, to be tried again, never a refusal of the user's URL. A name that does not exist is refused instead.
/// </summary>
public sealed class OutboundLookupFailedException(string host, Exception? inner = null)
    : Exception($"The name '{host}' could not be looked up right now.", inner);
