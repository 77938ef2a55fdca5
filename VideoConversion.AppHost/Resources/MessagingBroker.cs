namespace VideoConversion.AppHost.Resources;

/// <summary>The broker and each service's own user on it.</summary>
internal sealed record MessagingBroker(
    IResourceBuilder<IResourceWithConnectionString> Server,
    IReadOnlyDictionary<string, IResourceBuilder<BrokerUserResource>> Users);
