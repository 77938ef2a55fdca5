using System.Net;
using Microsoft.Extensions.Hosting;

namespace VideoConversion.UnitTests.ServiceDefaults;

/// <summary>The address the per-address limits count a client by.</summary>
public sealed class ClientAddressTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    public void Ipv4_counts_by_address_and_ipv6_by_its_64_bit_block(string address, string key) =>
        Assert.Equal(key, ClientAddress.PartitionKey(IPAddress.Parse(address)));

    [Fact]
    public void An_unknown_address_is_one_client() => Assert.Equal("unknown", ClientAddress.PartitionKey(null));
}
