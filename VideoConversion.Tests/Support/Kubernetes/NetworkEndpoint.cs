using System.Net;
using k8s.Models;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>
/// One end of a connection, as NetworkPolicies see it: a pod (its namespace, labels and named ports)
/// or an address outside the cluster (a browser, a program).
/// </summary>
public sealed record NetworkEndpoint(
    string Name, string? Namespace, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, int> NamedPorts, IPAddress? Address)
{
    public bool IsPod => Namespace is not null;

    public static NetworkEndpoint Pod(string name, string @namespace, IDictionary<string, string> labels, IEnumerable<V1ContainerPort>? ports = null) =>
        new(name, @namespace, new Dictionary<string, string>(labels),
            (ports ?? []).Where(port => port.Name is not null).ToDictionary(port => port.Name, port => port.ContainerPort), null);

    public static NetworkEndpoint Outside(string name, string address) =>
        new(name, null, new Dictionary<string, string>(), new Dictionary<string, int>(), IPAddress.Parse(address));

    public override string ToString() => Name;
}
