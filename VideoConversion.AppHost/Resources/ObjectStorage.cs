namespace VideoConversion.AppHost.Resources;

/// <summary>The storage server, the step that prepares it (MinIO only), and each service's own user on it.</summary>
internal sealed record ObjectStorage(
    IResourceBuilder<IResourceWithConnectionString> Server,
    IResourceBuilder<IResource>? Setup,
    IReadOnlyDictionary<string, IResourceBuilder<StorageUserResource>> Users);
