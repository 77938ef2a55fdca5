using System.Net;
using System.Net.Sockets;

namespace VideoConversion.Infrastructure.Outbound;

/// <summary>
/// Whether an address is somewhere on the public internet, as opposed to this machine, a private or
/// shared network, a link (cloud metadata at 169.254.169.254 among them), or a range reserved for
/// documentation, benchmarks or multicast. IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4) is judged as the IPv4 it carries,
/// or refused.
/// </summary>
public static class PublicAddresses
{
    /// <summary>
    /// IPv6 global unicast: everything outside it (reserved space, IPv4-translated ::ffff:0:0/96, whatever a
    /// future RFC assigns) is not public until proved otherwise: an allow-list of space, not a block-list.
    /// </summary>
    private static readonly (IPAddress Network, int Bits) GlobalUnicast = Ranges("2000::/3").Single();

    private static readonly (IPAddress Network, int Bits)[] NotPublic =
    [
        .. Ranges(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
            "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",
            "240.0.0.0/4",
            "::/96", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"),
    ];

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublic(address.MapToIPv4());
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && IsNat64(address, out var embedded))
        {
            return IsPublic(embedded);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Is6To4(address, out var tunneled))
        {
            return IsPublic(tunneled);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && !InRange(address, GlobalUnicast.Network, GlobalUnicast.Bits))
        {
            return false;
        }

        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 &&
               !NotPublic.Any(range => InRange(address, range.Network, range.Bits));
    }

    /// <summary>64:ff9b::/96 carries an IPv4 address in its last 32 bits.</summary>
    private static bool IsNat64(IPAddress address, out IPAddress embedded)
    {
        var bytes = address.GetAddressBytes();
        var prefix = new byte[] { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
        embedded = IPAddress.None;
        if (!bytes.AsSpan(0, 12).SequenceEqual(prefix))
        {
            return false;
        }

        embedded = new IPAddress(bytes.AsSpan(12, 4));
        return true;
    }

    /// <summary>2002::/16 (6to4) carries an IPv4 address in bits 16 to 48.</summary>
    private static bool Is6To4(IPAddress address, out IPAddress embedded)
    {
        var bytes = address.GetAddressBytes();
        embedded = IPAddress.None;
        if (bytes[0] != 0x20 || bytes[1] != 0x02)
        {
            return false;
        }

        embedded = new IPAddress(bytes.AsSpan(2, 4));
        return true;
    }

    private static bool InRange(IPAddress address, IPAddress network, int bits)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        for (var bit = 0; bit < bits; bit++)
        {
            var mask = (byte)(0x80 >> (bit % 8));
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<(IPAddress, int)> Ranges(params string[] cidrs) =>
        cidrs.Select(cidr => cidr.Split('/')).Select(parts => (IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));
}
