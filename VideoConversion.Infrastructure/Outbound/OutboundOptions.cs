namespace VideoConversion.Infrastructure.Outbound;

/// <summary>The "Outbound" section: where the system may send requests its users named (webhooks, input URLs).</summary>
public sealed class OutboundOptions
{
    public const string SectionName = "Outbound";

    /// <summary>
    /// Host names or addresses that may be reached over plain http and on non-public addresses, comma-separated
    /// ("localhost,127.0.0.1,receiver.internal"). Empty by default: https to public addresses only.
    /// </summary>
    public string AllowedHosts { get; set; } = "";

    /// <summary>
    /// DNS servers to look the users' names up at, instead of the system's resolver, comma-separated
    /// ("1.1.1.1,[2606:4700:4700::1111]:53"; port 53 unless given). Empty by default: the system's resolver.
    /// A public resolver here means names that exist only inside the cluster (its services, a split-horizon
    /// zone) do not resolve for user-given URLs at all, before the address check even starts.
    /// </summary>
    public string NameServers { get; set; } = "";
}
