using System.Net;
using System.Net.Sockets;
using VideoConversion.Processes;

namespace VideoConversion.UnitTests.Processes;

/// <summary>Real sockets: the ports handed out are outside the kernel's ephemeral ranges, free and never repeated.</summary>
public class FreeTcpPortTests
{
    // Linux hands out 32768-60999 to outgoing connections, Windows and macOS 49152-65535.
    private const int LowestEphemeralPort = 32_768;

    [Fact]
    public void Ports_are_below_the_ephemeral_range_distinct_and_free_to_bind()
    {
        var ports = Enumerable.Range(0, 50).Select(_ => FreeTcpPort.Next()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port =>
        {
            Assert.InRange(port, 1_024, LowestEphemeralPort - 1);
            using var server = new TcpListener(IPAddress.Loopback, port);
            server.Start();
        });
    }

    [Fact]
    public void A_port_something_listens_on_is_passed_over()
    {
        var (held, free) = TwoAdjacentFreePorts();
        using var listener = new TcpListener(IPAddress.Loopback, held);
        listener.Start();

        Assert.Equal(free, FreeTcpPort.NextWithin(held, held + 1));
    }

    [Fact]
    public void A_range_with_nothing_left_to_hand_out_is_refused_with_its_bounds()
    {
        var (first, second) = TwoAdjacentFreePorts();
        var handedOut = new[] { FreeTcpPort.NextWithin(first, second), FreeTcpPort.NextWithin(first, second) };

        Assert.Equal([first, second], handedOut.Order());
        var refused = Assert.Throws<InvalidOperationException>(() => FreeTcpPort.NextWithin(first, second));
        Assert.Contains($"{first}-{second}", refused.Message, StringComparison.Ordinal);
    }

    // Two neighbouring ports nobody listens on, in a stretch the other tests' picks are unlikely to reach.
    private static (int Lower, int Upper) TwoAdjacentFreePorts()
    {
        for (var port = 12_000 + Random.Shared.Next(0, 4_000); port < 17_000; port += 2)
        {
            if (CanBind(port) && CanBind(port + 1))
            {
                return (port, port + 1);
            }
        }

        throw new InvalidOperationException("No two neighbouring free loopback ports in 12000-17000.");
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
