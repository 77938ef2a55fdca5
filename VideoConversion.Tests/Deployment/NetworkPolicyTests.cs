using k8s.Models;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// The NetworkPolicies of manifests/ (base and monitoring, as the Minikube overlay renders them), held
/// to the paths the system needs and no others: every pod is closed unless a policy opens a path, users
/// reach only the page, the API and storage's S3 port, and the management ports answer Prometheus alone.
/// </summary>
public sealed class NetworkPolicyTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>
{
    private const string Namespace = "videoconversion";

    /// <summary>A browser or program somewhere on the internet (TEST-NET-3).</summary>
    private static readonly NetworkEndpoint Outside = NetworkEndpoint.Outside("a client outside the cluster", "203.0.113.7");

    /// <summary>KEDA's operator pod, labelled as KEDA's release manifest labels it.</summary>
    private static readonly NetworkEndpoint Keda = NetworkEndpoint.Pod("keda-operator", "keda", new Dictionary<string, string>
    {
        ["app"] = "keda-operator", ["name"] = "keda-operator", ["app.kubernetes.io/name"] = "keda-operator",
    });

    private static readonly NetworkEndpoint KedaWebhooks = NetworkEndpoint.Pod("keda-admission-webhooks", "keda", new Dictionary<string, string>
    {
        ["app"] = "keda-admission-webhooks", ["name"] = "keda-admission-webhooks", ["app.kubernetes.io/name"] = "keda-admission-webhooks",
    });

    private static readonly NetworkEndpoint ClusterDns = NetworkEndpoint.Pod("coredns", "kube-system", new Dictionary<string, string> { ["k8s-app"] = "kube-dns" });

    /// <summary>What users may reach from outside: each workload's public port.</summary>
    private static readonly (string Workload, int Port)[] PublicPorts = [("api", 8080), ("web", 8080), ("storage", 9000), ("grafana", 3000)];

    private readonly NetworkPolicies _policies = new([.. manifests.Rendered.All<V1NetworkPolicy>()]);

    private readonly Dictionary<string, NetworkEndpoint> _pods = manifests.Rendered.PodTemplates().ToDictionary(
        pod => pod.Workload,
        pod => NetworkEndpoint.Pod(pod.Workload, Namespace, pod.Template.Metadata.Labels, pod.Template.Spec.Containers.SelectMany(container => container.Ports ?? [])));

    [Fact]
    public void Every_pod_is_closed_both_ways_unless_a_policy_opens_a_path()
    {
        var defaultDeny = manifests.Rendered.Named<V1NetworkPolicy>("default-deny");
        Assert.Empty(defaultDeny.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(["Ingress", "Egress"], defaultDeny.Spec.PolicyTypes);
        Assert.Null(defaultDeny.Spec.Ingress);
        Assert.Null(defaultDeny.Spec.Egress);
        Assert.All(_pods.Values, pod => Assert.Contains(_policies.Selecting(pod), policy => policy.Metadata.Name == "default-deny"));
    }

    [Fact]
    public void From_outside_only_the_public_ports_answer()
    {
        foreach (var (workload, pod) in _pods)
        {
            foreach (var port in pod.NamedPorts.Values)
            {
                var expected = PublicPorts.Contains((workload, port));
                Assert.True(expected == _policies.Allows(Outside, pod, port),
                    $"{workload}:{port} is {(expected ? "closed" : "open")} to clients outside the cluster");
            }
        }

        Assert.All(PublicPorts, item => Assert.Contains(item.Port, _pods[item.Workload].NamedPorts.Values));
    }

    [Theory]
    [InlineData("web", "api", 8080)]
    [InlineData("api", "messaging", 5672)]
    [InlineData("api", "storage", 9000)]
    [InlineData("worker", "messaging", 5672)]
    [InlineData("worker", "storage", 9000)]
    [InlineData("storage-setup", "storage", 9000)]
    [InlineData("storage", "messaging", 5672)] // it announces uploads
    [InlineData("grafana", "prometheus", 9090)]
    [InlineData("prometheus", "messaging", 15692)]
    [InlineData("api", "aspire-dashboard", 18889)] // OTLP/gRPC: traces, logs and metrics
    [InlineData("worker", "aspire-dashboard", 18889)]
    [InlineData("web", "aspire-dashboard", 18889)]
    public void The_paths_the_system_needs_are_open(string from, string to, int port) =>
        Assert.True(_policies.Allows(_pods[from], _pods[to], port), $"{from} cannot reach {to}:{port}");

    [Theory]
    [InlineData("web", "messaging", 5672)]
    [InlineData("web", "storage", 9000)]
    [InlineData("web", "api", 9090)]
    [InlineData("worker", "api", 8080)]
    [InlineData("api", "worker", 8080)]
    [InlineData("api", "web", 8080)]
    [InlineData("storage-setup", "messaging", 5672)]
    [InlineData("grafana", "api", 8080)]
    [InlineData("grafana", "messaging", 15672)]
    [InlineData("messaging", "storage", 9000)]
    [InlineData("storage", "messaging", 15672)]
    [InlineData("storage", "api", 8080)]
    [InlineData("worker", "storage", 9001)]
    [InlineData("api", "prometheus", 9090)]
    [InlineData("api", "aspire-dashboard", 18888)] // the dashboard's page: port-forward only
    [InlineData("grafana", "aspire-dashboard", 18888)]
    [InlineData("prometheus", "aspire-dashboard", 18889)]
    [InlineData("storage", "aspire-dashboard", 18889)]
    [InlineData("api", "aspire-dashboard", 18890)] // OTLP/HTTP: none of ours uses it
    [InlineData("aspire-dashboard", "api", 8080)]
    public void Paths_nothing_needs_are_closed(string from, string to, int port) =>
        Assert.False(_policies.Allows(_pods[from], _pods[to], port), $"{from} can reach {to}:{port}");

    [Fact]
    public void Only_prometheus_reaches_the_scrape_targets_and_only_keda_the_brokers_management_api()
    {
        var prometheus = _pods["prometheus"];
        var targets = manifests.Rendered.PodTemplates()
            .Where(pod => pod.Template.Metadata.Annotations is { } annotations && annotations.TryGetValue("prometheus.io/scrape", out var scrape) && scrape == "true")
            .Select(pod => (pod.Workload, Port: int.Parse(pod.Template.Metadata.Annotations["prometheus.io/port"], System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(["api", "web", "worker"], targets.Select(target => target.Workload).Order(StringComparer.Ordinal));

        foreach (var (workload, port) in targets)
        {
            Assert.True(_policies.Allows(prometheus, _pods[workload], port), $"Prometheus cannot scrape {workload}:{port}");
            Assert.All(_pods.Values.Where(pod => pod != prometheus), other =>
                Assert.False(_policies.Allows(other, _pods[workload], port), $"{other} reaches {workload}'s management port {port}"));
        }

        Assert.True(_policies.Allows(Keda, _pods["messaging"], 15672), "KEDA cannot read the queue's depth");
        Assert.All(_pods.Values, pod => Assert.False(_policies.Allows(pod, _pods["messaging"], 15672), $"{pod} reaches RabbitMQ's management API"));
        Assert.False(_policies.Allows(Keda, _pods["messaging"], 5672), "KEDA reaches the broker's AMQP port");
        Assert.False(_policies.Allows(KedaWebhooks, _pods["messaging"], 15672), "any pod of KEDA's namespace reaches the management API");
    }

    [Fact]
    public void Every_pod_resolves_names_and_only_prometheus_the_apis_webhooks_and_the_workers_fetches_reach_beyond_the_namespace()
    {
        Assert.All(_pods.Values, pod =>
        {
            Assert.True(_policies.Allows(pod, ClusterDns, 53, "UDP"), $"{pod} cannot resolve names");
            Assert.True(_policies.Allows(pod, ClusterDns, 53, "TCP"), $"{pod} cannot resolve names over TCP");
            Assert.False(_policies.Allows(pod, ClusterDns, 8080), $"{pod} reaches kube-system beyond DNS");
        });

        // Prometheus asks the Kubernetes API server which pods there are; the API sends webhooks and the worker fetches
        // videos over https from the internet (never a private range, the cloud's metadata service included); nothing
        // else leaves the namespace.
        Assert.True(_policies.Allows(_pods["prometheus"], NetworkEndpoint.Outside("the API server", "192.168.49.2"), 8443));
        foreach (var (pod, purpose) in new[] { ("api", "send webhooks"), ("worker", "fetch videos from URLs") })
        {
            Assert.True(_policies.Allows(_pods[pod], Outside, 443), $"the {pod} cannot {purpose}");
            Assert.True(_policies.Allows(_pods[pod], NetworkEndpoint.Outside("a server on IPv6", "2001:4860:4860::8888"), 443));
            foreach (var inside in new[] { "10.96.0.1", "169.254.169.254", "192.168.1.10", "172.20.0.5", "fd00:ec2::254" })
            {
                Assert.False(_policies.Allows(_pods[pod], NetworkEndpoint.Outside(inside, inside), 443), $"the {pod} reaches {inside}");
            }

            Assert.False(_policies.Allows(_pods[pod], Outside, 80), $"the {pod} reaches the internet over plain http");
        }

        Assert.All(_pods.Values.Where(pod => pod.Name is not ("prometheus" or "api" or "worker")), pod =>
            Assert.False(_policies.Allows(pod, Outside, 443), $"{pod} reaches the internet"));
    }

    [Fact]
    public void Every_policy_selects_a_workload_and_names_only_ports_that_exist()
    {
        var ports = _pods.Values.SelectMany(pod => pod.NamedPorts.Values).Append(53).ToHashSet();
        foreach (var policy in _policies.All.Where(policy => policy.Metadata.Name is not ("default-deny" or "dns")))
        {
            Assert.Contains(_pods.Values, pod => _policies.Selecting(pod).Contains(policy));
            var named = (policy.Spec.Ingress ?? []).SelectMany(rule => rule.Ports ?? [])
                .Concat((policy.Spec.Egress ?? []).Where(rule => rule.To is { Count: > 0 } && rule.To.All(peer => peer.IpBlock is null))
                    .SelectMany(rule => rule.Ports ?? [])); // ports of pods here; an ipBlock's are somewhere else's
            Assert.All(named, port => Assert.True(ports.Contains(int.Parse(port.Port!.Value, System.Globalization.CultureInfo.InvariantCulture)),
                $"{policy.Metadata.Name} opens port {port.Port!.Value}, which no container has"));
        }
    }
}
