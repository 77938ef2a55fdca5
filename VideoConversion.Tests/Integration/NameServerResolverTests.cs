using System.Net;
using System.Net.Sockets;
using VideoConversion.Infrastructure.Outbound;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>Outbound:NameServers against a real DNS server over UDP: answers as the system's resolver gives them.</summary>
public sealed class NameServerResolverTests
{
    private static NameServerResolver Resolver()
    {
        Assert.True(NameServerResolver.TryParse(TestNameServer.Shared.Address, out var servers));
        return new NameServerResolver(servers);
    }

    [Fact]
    public async Task A_name_resolves_to_what_the_server_says_now()
    {
        var name = $"changing-{Guid.NewGuid():N}.example";
        TestNameServer.Shared.Map(name, IPAddress.Parse("93.184.216.34"));
        Assert.Equal([IPAddress.Parse("93.184.216.34")], await Resolver().ResolveAsync(name, CancellationToken.None));

        TestNameServer.Shared.Map(name, IPAddress.Parse("2606:4700:4700::1111"));
        Assert.Equal([IPAddress.Parse("2606:4700:4700::1111")], await Resolver().ResolveAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task A_name_that_does_not_exist_is_host_not_found_as_from_the_systems_resolver()
    {
        var missing = await Assert.ThrowsAsync<SocketException>(() => Resolver().ResolveAsync("no-such-name.example", CancellationToken.None));
        Assert.Equal(SocketError.HostNotFound, missing.SocketErrorCode);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_the_resolvers_trouble_not_a_missing_name()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var resolver = new NameServerResolver([(IPEndPoint)silent.Client.LocalEndPoint!]);

        var failure = await Assert.ThrowsAsync<SocketException>(() => resolver.ResolveAsync("anything.example", CancellationToken.None));
        Assert.Equal(SocketError.TryAgain, failure.SocketErrorCode);
    }

    [Theory]
    [InlineData("1.1.1.1", true)]
    [InlineData("127.0.0.1:5353, [::1]:53", true)]
    [InlineData("dns.example", false)]
    [InlineData("1.1.1.1:0", false)]
    public void Name_servers_are_addresses_with_an_optional_port(string text, bool valid) =>
        Assert.Equal(valid, NameServerResolver.TryParse(text, out _));
}
