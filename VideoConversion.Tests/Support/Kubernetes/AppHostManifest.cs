using System.Text.Json;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>
/// The AppHost's own model of the system, as `--publisher manifest` writes it (what Aspirate would
/// turn into Kubernetes objects): resources with their images, bindings and environment.
/// </summary>
public sealed class AppHostManifest : IAsyncLifetime
{
    public JsonElement Resources { get; private set; }

    public async Task InitializeAsync()
    {
        var output = Directory.CreateTempSubdirectory("videoconversion-apphost-manifest-");
        try
        {
            var path = Path.Combine(output.FullName, "manifest.json");
            var project = Projects.VideoConversion_AppHost.ProjectPath;
            var result = await ProcessRunner.RunAsync(
                "dotnet", ["run", "--project", project, "--no-build", "--", "--publisher", "manifest", "--output-path", path],
                RepositoryPaths.Root, TimeSpan.FromMinutes(3), null, CancellationToken.None, inheritEnvironment: true);
            Assert.True(result.ExitCode == 0 && File.Exists(path), $"the AppHost did not write its manifest: {result.StandardErrorTail}");
            Resources = JsonDocument.Parse(await File.ReadAllTextAsync(path)).RootElement.GetProperty("resources").Clone();
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Resources of one type: "project.v0" (our services) or "container.v0" (RabbitMQ, MinIO).</summary>
    public IEnumerable<(string Name, JsonElement Resource)> OfType(string type) =>
        Resources.EnumerateObject()
            .Where(resource => resource.Value.GetProperty("type").GetString() == type)
            .Select(resource => (resource.Name, resource.Value));

    public static IEnumerable<(string Name, string Value)> Environment(JsonElement resource) =>
        resource.TryGetProperty("env", out var env)
            ? env.EnumerateObject().Select(variable => (variable.Name, variable.Value.GetString() ?? ""))
            : [];

    public static IEnumerable<(string Name, int TargetPort)> Bindings(JsonElement resource) =>
        resource.TryGetProperty("bindings", out var bindings)
            ? bindings.EnumerateObject()
                .Where(binding => binding.Value.TryGetProperty("targetPort", out _))
                .Select(binding => (binding.Name, binding.Value.GetProperty("targetPort").GetInt32()))
            : [];
}
