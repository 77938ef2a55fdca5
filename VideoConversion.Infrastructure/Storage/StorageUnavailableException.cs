namespace VideoConversion.Infrastructure.Storage;

/// <summary>Object storage did not answer, or answered with a fault of its own; the request may be tried again (the API answers 503).</summary>
public sealed class StorageUnavailableException(Exception inner)
    : Exception("Object storage is not reachable right now.", inner);
