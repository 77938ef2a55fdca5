using System.Net;
using System.Net.Sockets;

namespace VideoConversion.Processes;

/// <summary>
/// A port for a server the system or its tests start as a child process and tell, in advance, which port to listen on
/// (host-run RabbitMQ, MinIO, PostgreSQL, an API's management port).
/// </summary>
public static class FreeTcpPort
{
    // The range keeps clear of every other picker of ports on the machine, since a port picked here stays unbound until
    // the child starts, seconds later, and no probe elsewhere can see it meanwhile:
    // - the kernel's ephemeral ports (Linux 32768-60999, Windows and macOS 49152-65535), which any outgoing connection
    //   may take (a bind to port 0 returns one of them: fresh-clone run 77's RabbitMQ lost its port that way);
    // - Aspire's own picks for endpoints given no port (10000-32767 by default), which the AppHost keeps below this range
    //   (AspirePortRange);
    // - Kubernetes' NodePorts (30000-32767), which kube-proxy serves without a socket a probe could meet.
    /// <summary>The lowest port handed out.</summary>
    public const int Lowest = 20_000;

    /// <summary>The highest port handed out.</summary>
    public const int Highest = 29_999;

    private const int Attempts = 200;

    // A process may pick several ports before any child binds one; none is handed out twice.
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A port nothing listens on now, on any address, not handed out before in this process.</summary>
    public static int Next() => NextWithin(Lowest, Highest);

    internal static int NextWithin(int lowest, int highest)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var port = Random.Shared.Next(lowest, highest + 1);
            lock (HandedOut)
            {
                if (!HandedOut.Contains(port) && NothingListensOn(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException(
            $"No free port in {lowest}-{highest} after {Attempts} tries: the range is taken by listeners or already handed out.");
    }

    /// <summary>
    /// Whether the port can be bound on every address, IPv4 and IPv6 (as Aspire probes its own picks): the children listen
    /// on all of them (RabbitMQ's listeners, Erlang's distribution port) or on loopback, and a listener on any would refuse them.
    /// </summary>
    internal static bool NothingListensOn(int port) =>
        CanBind(new IPEndPoint(IPAddress.Any, port)) && (!Socket.OSSupportsIPv6 || CanBind(new IPEndPoint(IPAddress.IPv6Any, port)));

    private static bool CanBind(IPEndPoint endPoint)
    {
        try
        {
            using var probe = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { ExclusiveAddressUse = true };
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                probe.DualMode = false; // IPv6 alone: IPv4 has its own probe
            }

            probe.Bind(endPoint);
            return true;
        }
        catch (SocketException taken) when (taken.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            // In use, or reserved (Windows' excluded port ranges refuse the bind).
            return false;
        }
        catch (SocketException) when (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // IPv6 switched off on this machine: nothing can listen there.
            return true;
        }
    }
}
