namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>manifests/overlays/minikube-ha rendered once for a test class: the API's replicas on PostgreSQL.</summary>
public sealed class HighAvailabilityManifests : IAsyncLifetime
{
    public const string Overlay = "overlays/minikube-ha";

    public RenderedManifests Rendered { get; private set; } = null!;

    public async Task InitializeAsync() => Rendered = await RenderedManifests.RenderAsync(Overlay);

    public Task DisposeAsync() => Task.CompletedTask;
}
