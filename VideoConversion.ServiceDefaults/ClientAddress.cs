using System.Net;
using System.Net.Sockets;

namespace Microsoft.Extensions.Hosting;

/// <summary>A client's address as the per-address limits count it.</summary>
public static class ClientAddress
{
    /// <summary>
    /// IPv4 addresses one by one (an IPv4 client on a dual-stack socket too); IPv6 by /64, the block one
    /// household or server is given, so a client cannot step past a limit by walking its own block.
    /// </summary>
    public static string PartitionKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
