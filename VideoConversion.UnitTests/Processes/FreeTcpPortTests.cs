using System.Net;
using System.Net.NetworkInformation;
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
        Assert.True(FreeTcpPort.Highest < LowestEphemeralPort);
        Assert.All(ports, port =>
        {
            Assert.InRange(port, FreeTcpPort.Lowest, FreeTcpPort.Highest);
            using var server = new TcpListener(IPAddress.Any, port);
            server.Start();
        });
    }

    [Theory]
    [InlineData("loopback", 12_000)]
    // A listener on another of the machine's addresses, which a probe of loopback alone would not meet, while the
    // children listen on every address (RabbitMQ's listeners, Erlang's distribution port).
    [InlineData("the machine's own", 13_000)]
    public void A_port_something_listens_on_is_passed_over(string address, int stretch)
    {
        var (held, free) = TwoAdjacentFreePorts(stretch);
        using var listener = new TcpListener(address == "loopback" ? IPAddress.Loopback : MachineAddress(), held);
        listener.Start();

        Assert.Equal(free, FreeTcpPort.NextWithin(held, held + 1));
        // The held port is never handed out, however many tries: with the other handed out, the range has none left.
        Assert.Throws<InvalidOperationException>(() => FreeTcpPort.NextWithin(held, held + 1));
    }

    [Fact]
    public void A_range_with_nothing_left_to_hand_out_is_refused_with_its_bounds()
    {
        var (first, second) = TwoAdjacentFreePorts(15_000);
        var handedOut = new[] { FreeTcpPort.NextWithin(first, second), FreeTcpPort.NextWithin(first, second) };

        Assert.Equal([first, second], handedOut.Order());
        var refused = Assert.Throws<InvalidOperationException>(() => FreeTcpPort.NextWithin(first, second));
        Assert.Contains($"{first}-{second}", refused.Message, StringComparison.Ordinal);
    }

    // Two neighbouring ports nobody listens on, in a stretch of 1,000 ports of the test's own (the ports a test hands out
    // stay handed out for the process's life), below FreeTcpPort's range.
    private static (int Lower, int Upper) TwoAdjacentFreePorts(int stretch)
    {
        for (var port = stretch + (2 * Random.Shared.Next(0, 250)); port < stretch + 1_000; port += 2)
        {
            if (CanBind(port) && CanBind(port + 1))
            {
                return (port, port + 1);
            }
        }

        throw new InvalidOperationException($"No two neighbouring free ports in {stretch}-{stretch + 999}.");
    }

    private static bool CanBind(int port) => FreeTcpPort.NothingListensOn(port);

    /// <summary>An IPv4 address of this machine's own other than loopback (a network interface that is up).</summary>
    private static IPAddress MachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(network => network.OperationalStatus == OperationalStatus.Up && network.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(network => network.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address))
        ?? throw new InvalidOperationException("This machine has no IPv4 address but loopback to listen on.");
}
