using System.Text;
using k8s;
using k8s.Models;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>
/// A kustomization of manifests/ rendered as `kubectl apply -k` would send it, and parsed into the
/// Kubernetes client's typed models. It renders a copy of manifests/ whose credentials come from
/// the project's own generate-secrets, as a user's first deployment does.
/// </summary>
public sealed class RenderedManifests
{
    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        [ScaledObject.TypeKey] = typeof(ScaledObject),
        [TriggerAuthentication.TypeKey] = typeof(TriggerAuthentication),
    };

    private RenderedManifests(string yaml, IReadOnlyList<object> objects)
    {
        Yaml = yaml;
        Objects = objects;
    }

    public string Yaml { get; }

    public IReadOnlyList<object> Objects { get; }

    /// <param name="kustomization">A directory under manifests/, e.g. "overlays/minikube".</param>
    public static async Task<RenderedManifests> RenderAsync(string kustomization)
    {
        var copy = Directory.CreateTempSubdirectory("videoconversion-manifests-");
        try
        {
            CopyDirectory(Path.Combine(RepositoryPaths.Root, "manifests"), copy.FullName);
            var secrets = await ProcessRunner.RunAsync(
                "bash", [Path.Combine(copy.FullName, "generate-secrets"), copy.FullName], copy.FullName,
                TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true);
            Assert.True(secrets.ExitCode == 0, $"generate-secrets failed: {secrets.StandardErrorTail}");

            var yaml = await Kubectl.KustomizeAsync(Path.Combine(copy.FullName, kustomization));
            return new RenderedManifests(yaml, KubernetesYaml.LoadAllFromString(yaml, CustomKinds, strict: false));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Parses the YAML again, refusing any field the models do not know: a misspelt or misplaced
    /// field, which the API server would refuse (or, without strict validation, silently drop).
    /// </summary>
    public IReadOnlyList<object> LoadStrictly() => LoadStrictly(Yaml);

    /// <inheritdoc cref="LoadStrictly()"/>
    public static IReadOnlyList<object> LoadStrictly(string yaml) => KubernetesYaml.LoadAllFromString(yaml, CustomKinds, strict: true);

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Named<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(item => item.Metadata.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"No {typeof(T).Name} named '{name}' in the rendered manifests.");

    /// <summary>A generated object by the name it was given before kustomize appended its content hash.</summary>
    public T Generated<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        Objects.OfType<T>().SingleOrDefault(item => item.Metadata.Name.StartsWith(name + "-", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No generated {typeof(T).Name} '{name}' in the rendered manifests.");

    /// <summary>Every pod template: those of Deployments, StatefulSets and Jobs, by workload name.</summary>
    public IEnumerable<(string Workload, V1PodTemplateSpec Template)> PodTemplates() =>
        All<V1Deployment>().Select(item => (item.Metadata.Name, item.Spec.Template))
            .Concat(All<V1StatefulSet>().Select(item => (item.Metadata.Name, item.Spec.Template)))
            .Concat(All<V1Job>().Select(item => (item.Metadata.Name, item.Spec.Template)));

    /// <summary>A Secret's value as the pod sees it (the client decodes the base64 that kustomize wrote).</summary>
    public static string SecretValue(V1Secret secret, string key) => Encoding.UTF8.GetString(secret.Data[key]);

    private static void CopyDirectory(string source, string target)
    {
        foreach (var directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(source, target, StringComparison.Ordinal));
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                     .Where(file => !file.EndsWith(".env", StringComparison.Ordinal)))
        {
            File.Copy(file, file.Replace(source, target, StringComparison.Ordinal));
        }
    }
}
