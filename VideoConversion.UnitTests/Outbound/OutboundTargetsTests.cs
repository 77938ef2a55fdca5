using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using VideoConversion.Infrastructure.Outbound;

namespace VideoConversion.UnitTests.Outbound;

/// <summary>
/// Where the system calls a URL a user gave: https to public addresses only, unless the host is allowed;
/// the name resolved and every address checked, at registration and again at the connection.
/// </summary>
public sealed class OutboundTargetsTests
{
    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("203.0.114.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:8.8.8.8", true)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("64:ff9b::808:808", true)]
    [InlineData("::7f00:1", false)]
    [InlineData("64:ff9b:1::1", false)]
    [InlineData("2002:7f00:1::", false)]
    [InlineData("2002:c0a8:101::1", false)]
    [InlineData("2002:808:808::1", true)]
    [InlineData("::ffff:0:7f00:1", false)]
    [InlineData("::ffff:0:808:808", false)]
    [InlineData("4000::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("2001:4860:4860::8888", true)]
    public void Only_public_internet_addresses_are_public(string address, bool isPublic) =>
        Assert.Equal(isPublic, PublicAddresses.IsPublic(IPAddress.Parse(address)));

    [Theory]
    [InlineData("ftp://example.com/hook", "absolute http or https")]
    [InlineData("/relative", "absolute http or https")]
    [InlineData("http://hooks.example.com/", "must use https")]
    [InlineData("https://user:secret@hooks.example.com/", "user name or password")]
    public void Urls_of_the_wrong_form_are_refused_before_any_lookup(string url, string reason)
    {
        var refusal = Assert.Throws<OutboundTargetRefusedException>(() => Targets("").CheckForm(url));
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]:8443/")]
    [InlineData("https://2130706433/")]
    [InlineData("https://0x7f.1/")]
    [InlineData("https://0177.0.0.1/")]
    [InlineData("https://127.1/")]
    [InlineData("https://[::ffff:7f00:1]/")]
    [InlineData("https://0.0.0.0/")]
    [InlineData("https://internal.example/hook")]
    [InlineData("https://mixed.example/hook")]
    public async Task A_host_that_is_or_resolves_to_a_private_address_is_refused(string url)
    {
        var refusal = await Assert.ThrowsAsync<OutboundTargetRefusedException>(() => Targets("").CheckAsync(url, CancellationToken.None));
        Assert.Contains("not allowed", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allowed_hosts_may_use_http_and_private_addresses()
    {
        var targets = Targets("internal.example,127.0.0.1");

        Assert.Equal("internal.example", (await targets.CheckAsync("http://internal.example/hook", CancellationToken.None)).Host);
        await targets.CheckAsync("http://127.0.0.1:9000/hook", CancellationToken.None);
        await Targets("").CheckAsync("https://public.example/hook", CancellationToken.None);
    }

    [Fact]
    public async Task A_name_that_resolves_elsewhere_at_the_connection_is_refused_there()
    {
        // Public when the endpoint was registered, loopback when the webhook is sent: DNS rebinding.
        var lookups = 0;
        var targets = new OutboundTargets(Options.Create(new OutboundOptions()), (_, _) =>
            Task.FromResult(Interlocked.Increment(ref lookups) == 1 ? new[] { IPAddress.Parse("8.8.8.8") } : [IPAddress.Loopback]));
        await targets.CheckAsync("https://rebinding.example/hook", CancellationToken.None);

        using var http = new HttpClient(targets.CreateHandler());
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => http.GetAsync(new Uri("https://rebinding.example/hook")));
        Assert.IsType<OutboundTargetRefusedException>(failure.InnerException ?? failure, exactMatch: false);
        Assert.Equal(2, lookups);
    }

    [Fact]
    public async Task A_name_that_does_not_exist_is_refused_but_a_resolver_in_trouble_is_ours_and_tried_again()
    {
        static OutboundTargets Resolving(SocketError error) => new(Options.Create(new OutboundOptions()),
            (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)error)));

        var missing = await Assert.ThrowsAsync<OutboundTargetRefusedException>(
            () => Resolving(SocketError.HostNotFound).CheckAsync("https://no-such-name.example/hook", CancellationToken.None));
        Assert.True(missing.NameNotFound, "a name that does not exist may exist later: a webhook delivery tries again");
        var privateName = await Assert.ThrowsAsync<OutboundTargetRefusedException>(
            () => Targets("").CheckAsync("https://internal.example/hook", CancellationToken.None));
        Assert.False(privateName.NameNotFound, "a name that resolves to a private address is refused for good");
        var lookup = await Assert.ThrowsAsync<OutboundLookupFailedException>(
            () => Resolving(SocketError.TryAgain).CheckAsync("https://hooks.example/hook", CancellationToken.None));
        Assert.Contains("could not be looked up right now", lookup.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_handler_follows_no_redirect()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        });

        using var http = new HttpClient(Targets("127.0.0.1").CreateHandler());
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/hook"));
        await serving;

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }

    private static OutboundTargets Targets(string allowed) => new(Options.Create(new OutboundOptions { AllowedHosts = allowed }), (host, _) => Task.FromResult(host switch
    {
        "internal.example" => new[] { IPAddress.Parse("10.20.30.40") },
        "mixed.example" => [IPAddress.Parse("93.184.216.34"), IPAddress.Parse("192.168.0.10")],
        _ => [IPAddress.Parse("93.184.216.34")],
    }));
}
