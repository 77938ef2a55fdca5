using System.Globalization;
using Microsoft.Extensions.Configuration;
using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Keeps the ports Aspire picks for endpoints given none (10000-32767 by default) below the range the AppHost picks
/// host-run servers' ports from (<see cref="FreeTcpPort"/>). Aspire probes its picks by binding them, and a port the
/// AppHost picked is not bound until its server starts, later: without this, Aspire could pick it again.
/// </summary>
internal static class AspirePortRange
{
    // DcpOptions' settings, read from this section of the AppHost's configuration.
    private const string Start = "DcpPublisher:ProxylessEndpointPortRangeStart";
    private const string End = "DcpPublisher:ProxylessEndpointPortRangeEnd";

    /// <summary>Sets Aspire's range to 10000 up to below <see cref="FreeTcpPort.Lowest"/>, unless the configuration names its own.</summary>
    public static void KeepBelowFreeTcpPorts(IConfiguration configuration)
    {
        configuration[Start] ??= "10000";
        configuration[End] ??= (FreeTcpPort.Lowest - 1).ToString(CultureInfo.InvariantCulture);
    }
}
