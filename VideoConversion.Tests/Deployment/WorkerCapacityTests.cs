using System.Text.RegularExpressions;
using k8s.Models;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// All the workers KEDA may start fit on the Minikube node the README documents, beside everything
/// else that runs there; and deploy-minikube's capacity warning counts with the same numbers.
/// </summary>
public sealed partial class WorkerCapacityTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>
{
    /// <summary>
    /// What Minikube's own pods request (etcd 100m/100Mi, API server 250m, controller manager 200m,
    /// scheduler 100m, CoreDNS 100m/70Mi), KEDA 2.18's three (operator, metrics API server,
    /// admission webhooks: 100m/100Mi each) and Calico's node agent (250m; it enforces the
    /// NetworkPolicies, --cni calico), from their published manifests.
    /// </summary>
    private const decimal PlatformCpuMillicores = 750 + 300 + 250;
    private const decimal PlatformMemoryMebibytes = 170 + 300;

    /// <summary>
    /// Our three images at one tag (the .NET runtime layers they share, the worker's FFmpeg), the base
    /// images of RabbitMQ, MinIO, Prometheus and Grafana, KEDA's and Kubernetes' own: about 6 GB, with room
    /// for one previous tag while a deploy rolls out.
    /// </summary>
    private const decimal ImagesGibibytes = 8;

    /// <summary>Of the memory Minikube is given, what its node reports allocatable (the VM keeps some).</summary>
    private const decimal AllocatableMemoryShare = 0.94m;

    private readonly RenderedManifests _rendered = manifests.Rendered;
    private readonly string _script = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "manifests", "deploy-minikube"));

    [Fact]
    public void Every_worker_keda_may_start_fits_on_the_documented_node()
    {
        var (nodeCpu, nodeMemory) = DocumentedNode();
        var (otherCpu, otherMemory) = OtherRequests();
        var (workerCpu, workerMemory) = WorkerRequests();
        var maximum = _rendered.Named<ScaledObject>("worker").Spec.MaxReplicaCount!.Value;

        var fit = Math.Min(Math.Floor((nodeCpu - otherCpu - PlatformCpuMillicores) / workerCpu),
            Math.Floor((nodeMemory - otherMemory - PlatformMemoryMebibytes) / workerMemory));
        Assert.True(fit >= maximum,
            $"{fit} of {maximum} workers fit: node {nodeCpu}m/{nodeMemory}Mi, the rest {otherCpu + PlatformCpuMillicores}m/" +
            $"{otherMemory + PlatformMemoryMebibytes}Mi, a worker {workerCpu}m/{workerMemory}Mi");
    }

    [Fact]
    public void The_documented_disk_holds_the_volumes_one_full_worker_scratch_and_the_images()
    {
        var start = MinikubeStart().Match(_script);
        var disk = decimal.Parse(start.Groups["disk"].Value, System.Globalization.CultureInfo.InvariantCulture) * 1000 / 1024; // GB → GiB
        var claims = _rendered.All<V1PersistentVolumeClaim>().Select(claim => claim.Spec.Resources.Requests["storage"])
            .Concat(_rendered.All<V1StatefulSet>().SelectMany(set => set.Spec.VolumeClaimTemplates ?? []).Select(claim => claim.Spec.Resources.Requests["storage"]))
            .Sum(quantity => quantity.ToDecimal()) / (1024m * 1024 * 1024);
        var scratch = _rendered.Named<V1Deployment>("worker").Spec.Template.Spec.Containers.Single().Resources.Limits["ephemeral-storage"].ToDecimal() / (1024m * 1024 * 1024);

        Assert.True(claims + scratch + ImagesGibibytes <= disk,
            $"volumes {claims:0.#} GiB + a worker's scratch {scratch:0.#} GiB + images {ImagesGibibytes} GiB > disk {disk:0.#} GiB");
    }

    [Fact]
    public void The_deploy_scripts_capacity_warning_counts_with_the_rendered_requests()
    {
        var (otherCpu, otherMemory) = OtherRequests();
        var (workerCpu, workerMemory) = WorkerRequests();

        Assert.Equal(workerCpu, ScriptNumber("worker_cpu_millicores"));
        Assert.Equal(workerMemory, ScriptNumber("worker_memory_mebibytes"));
        Assert.Equal(_rendered.Named<ScaledObject>("worker").Spec.MaxReplicaCount, (int)ScriptNumber("max_workers"));
        // What it sets aside for everything else covers everything else (so it never promises too much).
        Assert.InRange(otherCpu + PlatformCpuMillicores, 0, ScriptNumber("others_cpu_millicores"));
        Assert.InRange(otherMemory + PlatformMemoryMebibytes, 0, ScriptNumber("others_memory_mebibytes"));
    }

    /// <summary>The node of the script's and README's "minikube start --cpus N --memory Ng".</summary>
    private (decimal CpuMillicores, decimal MemoryMebibytes) DocumentedNode()
    {
        var start = MinikubeStart().Match(_script);
        Assert.True(start.Success, "deploy-minikube documents the Minikube it needs");
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        Assert.Contains(start.Value, readme, StringComparison.Ordinal);
        return (decimal.Parse(start.Groups["cpus"].Value, System.Globalization.CultureInfo.InvariantCulture) * 1000,
            decimal.Parse(start.Groups["gigabytes"].Value, System.Globalization.CultureInfo.InvariantCulture) * 1024 * AllocatableMemoryShare);
    }

    /// <summary>The requests of every long-running pod but the workers' (Jobs finish; init containers run before).</summary>
    private (decimal CpuMillicores, decimal MemoryMebibytes) OtherRequests()
    {
        var pods = _rendered.All<V1Deployment>().Where(item => item.Metadata.Name != "worker").Select(item => (item.Spec.Replicas ?? 1, item.Spec.Template))
            .Concat(_rendered.All<V1StatefulSet>().Select(item => (item.Spec.Replicas ?? 1, item.Spec.Template)));
        var containers = pods.SelectMany(pod => Enumerable.Repeat(pod.Template.Spec.Containers, pod.Item1).SelectMany(list => list)).ToList();
        return (containers.Sum(container => Millicores(container.Resources.Requests["cpu"])),
            containers.Sum(container => Mebibytes(container.Resources.Requests["memory"])));
    }

    private (decimal CpuMillicores, decimal MemoryMebibytes) WorkerRequests()
    {
        var requests = _rendered.Named<V1Deployment>("worker").Spec.Template.Spec.Containers.Single().Resources.Requests;
        return (Millicores(requests["cpu"]), Mebibytes(requests["memory"]));
    }

    private decimal ScriptNumber(string name)
    {
        var match = Regex.Match(_script, $@"^{name}=(\d+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"deploy-minikube sets {name}");
        return decimal.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static decimal Millicores(ResourceQuantity quantity) => quantity.ToDecimal() * 1000;

    private static decimal Mebibytes(ResourceQuantity quantity) => quantity.ToDecimal() / (1024 * 1024);

    [GeneratedRegex(@"minikube start --cpus (?<cpus>\d+) --memory (?<gigabytes>\d+)g --disk-size (?<disk>\d+)g")]
    private static partial Regex MinikubeStart();
}
