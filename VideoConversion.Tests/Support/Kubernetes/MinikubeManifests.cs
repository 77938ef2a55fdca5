namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>manifests/overlays/minikube rendered once for a test class: everything a deployment applies.</summary>
public sealed class MinikubeManifests : IAsyncLifetime
{
    public const string Overlay = "overlays/minikube";

    public RenderedManifests Rendered { get; private set; } = null!;

    public async Task InitializeAsync() => Rendered = await RenderedManifests.RenderAsync(Overlay);

    public Task DisposeAsync() => Task.CompletedTask;
}
