using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>
/// Rendered NetworkPolicies, evaluated as the Kubernetes API reference defines them, so a test can ask
/// whether one endpoint may open a connection to another's port:
/// <list type="bullet">
/// <item>a pod selected by no policy of a direction is open in that direction; once one selects it, only
/// what some rule of a selecting policy allows passes (rules add up, never subtract);</item>
/// <item>a connection needs the sender's egress and the receiver's ingress;</item>
/// <item>a peer with only a podSelector means pods of the policy's own namespace; a namespaceSelector
/// widens it to the namespaces it selects; an ipBlock matches addresses outside the cluster;</item>
/// <item>no peers, or no ports, in a rule means all of them; a named port is the receiver's container port of that name.</item>
/// </list>
/// </summary>
public sealed class NetworkPolicies(IReadOnlyList<V1NetworkPolicy> policies)
{
    public IReadOnlyList<V1NetworkPolicy> All => policies;

    public bool Allows(NetworkEndpoint from, NetworkEndpoint to, int port, string protocol = "TCP") =>
        Passes(from, "Egress", policy => policy.Spec.Egress?.Select(rule => ((IList<V1NetworkPolicyPeer>?)rule.To, (IList<V1NetworkPolicyPort>?)rule.Ports)), to, port, protocol) &&
        Passes(to, "Ingress", policy => policy.Spec.Ingress?.Select(rule => ((IList<V1NetworkPolicyPeer>?)rule.FromProperty, (IList<V1NetworkPolicyPort>?)rule.Ports)), from, port, protocol, receiver: to);

    /// <summary>The policies that apply to a pod, in either direction.</summary>
    public IEnumerable<V1NetworkPolicy> Selecting(NetworkEndpoint pod) => policies.Where(policy => Selects(policy, pod));

    private bool Passes(
        NetworkEndpoint subject, string direction, Func<V1NetworkPolicy, IEnumerable<(IList<V1NetworkPolicyPeer>? Peers, IList<V1NetworkPolicyPort>? Ports)>?> rules,
        NetworkEndpoint peer, int port, string protocol, NetworkEndpoint? receiver = null)
    {
        if (!subject.IsPod)
        {
            return true; // nothing here governs what happens outside the cluster
        }

        var isolating = policies.Where(policy => Selects(policy, subject) && Types(policy).Contains(direction)).ToList();
        return isolating.Count == 0 || isolating.Any(policy => (rules(policy) ?? []).Any(rule =>
            PeersMatch(rule.Peers, policy, peer) && PortsMatch(rule.Ports, receiver ?? peer, port, protocol)));
    }

    private static bool Selects(V1NetworkPolicy policy, NetworkEndpoint pod) =>
        pod.IsPod && pod.Namespace == policy.Metadata.NamespaceProperty && Matches(policy.Spec.PodSelector, pod.Labels);

    /// <summary>policyTypes, or what the API server defaults it to: Ingress, and Egress when egress rules exist.</summary>
    private static IList<string> Types(V1NetworkPolicy policy) =>
        policy.Spec.PolicyTypes ?? (policy.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"]);

    private static bool PeersMatch(IList<V1NetworkPolicyPeer>? peers, V1NetworkPolicy policy, NetworkEndpoint endpoint) =>
        peers is not { Count: > 0 } || peers.Any(peer => PeerMatches(peer, policy, endpoint));

    private static bool PeerMatches(V1NetworkPolicyPeer peer, V1NetworkPolicy policy, NetworkEndpoint endpoint)
    {
        if (peer.IpBlock is { } block)
        {
            return endpoint.Address is { } address && InRange(address, block.Cidr) && !(block.Except ?? []).Any(cidr => InRange(address, cidr));
        }

        if (!endpoint.IsPod)
        {
            return false;
        }

        var namespaceMatches = peer.NamespaceSelector is null
            ? endpoint.Namespace == policy.Metadata.NamespaceProperty
            : Matches(peer.NamespaceSelector, new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = endpoint.Namespace! });
        return namespaceMatches && (peer.PodSelector is null || Matches(peer.PodSelector, endpoint.Labels));
    }

    private static bool PortsMatch(IList<V1NetworkPolicyPort>? ports, NetworkEndpoint receiver, int port, string protocol) =>
        ports is not { Count: > 0 } || ports.Any(allowed =>
            (allowed.Protocol ?? "TCP") == protocol && (allowed.Port is null || PortMatches(allowed, receiver, port)));

    private static bool PortMatches(V1NetworkPolicyPort allowed, NetworkEndpoint receiver, int port)
    {
        var value = allowed.Port!.Value;
        if (int.TryParse(value, out var number))
        {
            return allowed.EndPort is { } end ? port >= number && port <= end : port == number;
        }

        return receiver.NamedPorts.TryGetValue(value, out var named) && named == port;
    }

    private static bool Matches(V1LabelSelector selector, IReadOnlyDictionary<string, string> labels) =>
        (selector.MatchLabels ?? new Dictionary<string, string>()).All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value) &&
        (selector.MatchExpressions ?? []).All(expression => expression.OperatorProperty switch
        {
            "In" => labels.TryGetValue(expression.Key, out var value) && expression.Values.Contains(value),
            "NotIn" => !labels.TryGetValue(expression.Key, out var value) || !expression.Values.Contains(value),
            "Exists" => labels.ContainsKey(expression.Key),
            "DoesNotExist" => !labels.ContainsKey(expression.Key),
            _ => throw new InvalidOperationException($"Unknown label selector operator {expression.OperatorProperty}."),
        });

    private static bool InRange(IPAddress address, string cidr)
    {
        var parts = cidr.Split('/');
        var network = IPAddress.Parse(parts[0]).GetAddressBytes();
        var bytes = address.GetAddressBytes();
        if (network.Length != bytes.Length)
        {
            return false;
        }

        var bits = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < bits; i++)
        {
            var mask = 0x80 >> (i % 8);
            if ((network[i / 8] & mask) != (bytes[i / 8] & mask))
            {
                return false;
            }
        }

        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
    }
}
