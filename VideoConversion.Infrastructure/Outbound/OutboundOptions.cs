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
}
