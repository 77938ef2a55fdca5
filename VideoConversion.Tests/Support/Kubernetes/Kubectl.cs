using VideoConversion.Processes;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>The kubectl the manifests are rendered with: the one on PATH, else the one scripts/install-prerequisites put in tools/kubectl.</summary>
public static class Kubectl
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string Path { get; } = Locate();

    /// <summary>Renders a kustomization as `kubectl apply -k` would send it.</summary>
    public static async Task<string> KustomizeAsync(string directory)
    {
        var result = await ProcessRunner.RunAsync(Path, ["kustomize", directory], directory, Timeout, null, CancellationToken.None, inheritEnvironment: true);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {directory} failed: {result.StandardErrorTail}");
        return result.StandardOutput;
    }

    private static string Locate()
    {
        var onPath = Environment.GetEnvironmentVariable("PATH")?.Split(System.IO.Path.PathSeparator)
            .Select(directory => System.IO.Path.Combine(directory, "kubectl"))
            .FirstOrDefault(File.Exists);
        var installed = System.IO.Path.Combine(RepositoryPaths.Root, "tools", "kubectl", "bin", "kubectl");
        return onPath ?? (File.Exists(installed)
            ? installed
            : throw new InvalidOperationException("kubectl is missing: run scripts/install-prerequisites."));
    }
}
