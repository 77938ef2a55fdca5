using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace VideoConversion.UnitTests.ServiceDefaults;

/// <summary>Which port answers what. (ServiceDefaultsTests serves them over real connections.)</summary>
public sealed class ManagementGateTests
{
    private const int PublicPort = 8080;
    private const int ManagementPort = 9090;

    [Theory]
    [InlineData("/metrics", ManagementPort, true)]
    [InlineData("/health", ManagementPort, true)]
    [InlineData("/alive", ManagementPort, true)]
    [InlineData("/jobs", ManagementPort, false)]
    [InlineData("/", ManagementPort, false)]
    [InlineData("/metrics", PublicPort, false)]
    [InlineData("/METRICS", PublicPort, false)]
    [InlineData("/health", PublicPort, false)]
    [InlineData("/health/", PublicPort, false)]
    [InlineData("/alive", PublicPort, true)]
    [InlineData("/jobs", PublicPort, true)]
    [InlineData("/healthz", PublicPort, true)]
    public void With_a_management_port_the_management_endpoints_answer_there_alone(string path, int localPort, bool allowed)
    {
        var gate = new ManagementGate(ManagementPort, servesLoopbackWithoutPort: false);

        Assert.Equal(allowed, gate.Allows(Request(path, localPort, IPAddress.Parse("10.0.0.7"))));
    }

    [Fact]
    public void The_host_header_does_not_open_the_management_endpoints()
    {
        var context = Request("/metrics", PublicPort, IPAddress.Loopback);
        context.Request.Host = new HostString("localhost", ManagementPort);

        Assert.False(new ManagementGate(ManagementPort, servesLoopbackWithoutPort: true).Allows(context));
    }

    [Theory]
    [InlineData("/metrics", "127.0.0.1", true)]
    [InlineData("/health", "::1", true)]
    [InlineData("/metrics", "10.0.0.7", false)]
    [InlineData("/health", "192.168.1.20", false)]
    [InlineData("/alive", "10.0.0.7", true)]
    [InlineData("/jobs", "10.0.0.7", true)]
    public void Without_a_management_port_in_development_they_answer_this_machine_only(string path, string remote, bool allowed)
    {
        var gate = new ManagementGate(managementPort: null, servesLoopbackWithoutPort: true);

        Assert.Equal(allowed, gate.Allows(Request(path, PublicPort, IPAddress.Parse(remote))));
    }

    [Theory]
    [InlineData("/metrics", false)]
    [InlineData("/health", false)]
    [InlineData("/alive", true)]
    [InlineData("/jobs", true)]
    public void Without_a_management_port_outside_development_they_answer_no_one(string path, bool allowed)
    {
        var gate = new ManagementGate(managementPort: null, servesLoopbackWithoutPort: false);

        Assert.Equal(allowed, gate.Allows(Request(path, PublicPort, IPAddress.Loopback)));
    }

    private static DefaultHttpContext Request(string path, int localPort, IPAddress remote)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.Connection.LocalPort = localPort;
        context.Connection.RemoteIpAddress = remote;
        return context;
    }
}
