namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Every service's management endpoint: /metrics and the detailed /health (ServiceDefaults'
/// ManagementGate), reached by Prometheus and readiness checks, never by users.
/// </summary>
public static class ManagementEndpoint
{
    public const string Name = "management";

    /// <summary>The variable that tells the service its management port (Management:Port).</summary>
    public const string PortVariable = "Management__Port";

    /// <summary>The management port inside a pod, the same for every service (manifests/ are held to it).</summary>
    public const int TargetPort = 9090;
}
