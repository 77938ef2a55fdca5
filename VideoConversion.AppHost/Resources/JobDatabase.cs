namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The API's PostgreSQL job database: <paramref name="Connection"/> gives its "jobs" connection string, and
/// <paramref name="Awaited"/> is what the API waits for before it starts, when the AppHost runs the server (an external
/// server is the operator's to have running).
/// </summary>
internal sealed record JobDatabase(
    IResourceBuilder<IResourceWithConnectionString> Connection,
    IResourceBuilder<IResource>? Awaited);
