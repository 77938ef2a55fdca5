using k8s.Models;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>
/// A pod's files laid out on this machine under a root directory, as the kubelet lays them out:
/// ConfigMap volumes with their items, behind the "..data" symlink of an atomic writer; emptyDirs
/// as directories; init containers' shell scripts run with the rendered Secrets' values.
/// </summary>
/// <param name="secretOverrides">Secret values by key that differ from the rendered ones (a rotated password).</param>
public sealed class PodFiles(RenderedManifests rendered, V1PodSpec pod, string root, IReadOnlyDictionary<string, string>? secretOverrides = null)
{
    private readonly HashSet<string> _prepared = new(StringComparer.Ordinal);

    /// <summary>Where a path inside the pod is on this machine.</summary>
    public string Local(string podPath) => Path.Combine(root, podPath.TrimStart('/'));

    /// <summary>Lays out every volume <paramref name="container"/> mounts that is a ConfigMap or an emptyDir.</summary>
    /// <param name="rewrite">Applied to each file's content (pod paths inside configuration point into the layout).</param>
    public void Mount(V1Container container, Func<string, string> rewrite)
    {
        foreach (var mount in container.VolumeMounts ?? [])
        {
            // Not among the pod's volumes: a StatefulSet's volume claim template.
            var volume = pod.Volumes.SingleOrDefault(item => item.Name == mount.Name);
            var target = Local(mount.MountPath);
            if (!_prepared.Add(mount.Name))
            {
                continue; // shared by the pod's containers: an init container's emptyDir keeps what it wrote
            }

            if (volume is { ConfigMap: not null } or { EmptyDir: not null } && Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true); // an earlier pod's: only claims outlive it
            }

            Directory.CreateDirectory(target);
            if (volume?.ConfigMap is not { } source)
            {
                continue; // emptyDir or claim: an empty directory
            }

            var data = rendered.All<V1ConfigMap>().Single(map => map.Metadata.Name == source.Name).Data;
            var items = source.Items?.Select(item => (item.Key, item.Path)) ?? data.Keys.Select(key => (key, key));
            var timestamped = Path.Combine(target, "..2026_01_01_00_00_00.000000000");
            Directory.CreateDirectory(timestamped);
            File.CreateSymbolicLink(Path.Combine(target, "..data"), Path.GetFileName(timestamped));
            foreach (var (key, path) in items)
            {
                File.WriteAllText(Path.Combine(timestamped, path), rewrite(data[key]));
                File.CreateSymbolicLink(Path.Combine(target, path), Path.Combine("..data", path));
            }
        }
    }

    /// <summary>An environment variable's value as the pod sees it: literal, or from a Secret or ConfigMap.</summary>
    public string Value(V1EnvVar variable) => variable.ValueFrom switch
    {
        { SecretKeyRef: { } secret } => secretOverrides?.GetValueOrDefault(secret.Key) ?? RenderedManifests.SecretValue(
            rendered.All<V1Secret>().Single(item => item.Metadata.Name == secret.Name), secret.Key),
        { ConfigMapKeyRef: { } map } => rendered.All<V1ConfigMap>().Single(item => item.Metadata.Name == map.Name).Data[map.Key],
        _ => variable.Value,
    };

    /// <summary>Runs an init container's shell script here, its environment resolved, its pod paths made local.</summary>
    public async Task RunAsync(V1Container container, Func<string, string> rewrite)
    {
        Mount(container, rewrite);
        var variables = (container.Env ?? []).ToDictionary(variable => variable.Name, variable => (string?)rewrite(Value(variable)));
        var result = await ProcessRunner.RunAsync(
            container.Command[0], container.Command.Skip(1).Concat(container.Args ?? []), Environment.CurrentDirectory,
            TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true, environment: variables,
            standardErrorLimit: int.MaxValue);

        Xunit.Assert.True(result.ExitCode == 0, $"init container {container.Name} failed: {result.StandardErrorTail}");
    }
}
