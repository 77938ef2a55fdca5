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
    // DcpOptions' settings, read from this section of the AppHost's configuration; the variable, read after them, wins.
    private const string Start = "DcpPublisher:ProxylessEndpointPortRangeStart";
    private const string End = "DcpPublisher:ProxylessEndpointPortRangeEnd";
    private const string Override = "ASPIRE_PROXYLESS_ENDPOINT_PORT_RANGE";

    /// <summary>
    /// Sets Aspire's range to 10000 up to below <see cref="FreeTcpPort.Lowest"/>, unless the configuration names its own,
    /// which must keep clear of <see cref="FreeTcpPort"/>'s.
    /// </summary>
    /// <exception cref="InvalidOperationException">The range configured overlaps <see cref="FreeTcpPort"/>'s.</exception>
    public static void KeepBelowFreeTcpPorts(IConfiguration configuration)
    {
        configuration[Start] ??= "10000";
        configuration[End] ??= (FreeTcpPort.Lowest - 1).ToString(CultureInfo.InvariantCulture);
        var (start, end, setting) = configuration[Override] is { Length: > 0 } range && range.Split('-') is [var first, var last]
            && int.TryParse(first, CultureInfo.InvariantCulture, out var from) && int.TryParse(last, CultureInfo.InvariantCulture, out var to)
            ? (from, to, Override)
            : (configuration.GetValue<int>(Start), configuration.GetValue<int>(End), $"{Start} and {End}");
        if (start <= FreeTcpPort.Highest && end >= FreeTcpPort.Lowest)
        {
            throw new InvalidOperationException(
                $"Aspire's port range {start}-{end} ({setting}) overlaps {FreeTcpPort.Lowest}-{FreeTcpPort.Highest}, where the AppHost picks " +
                "the ports of the servers it runs: Aspire could pick one of those again before its server starts. Choose a range outside it.");
        }
    }
}
