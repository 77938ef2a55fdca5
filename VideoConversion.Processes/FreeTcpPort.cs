using System.Net;
using System.Net.Sockets;

namespace VideoConversion.Processes;

/// <summary>
/// A loopback port for a server the system or its tests start as a child process and tell, in
/// advance, which port to listen on (host-run RabbitMQ, MinIO, PostgreSQL, an API's management port).
/// </summary>
public static class FreeTcpPort
{
    // The kernel's ephemeral ports (Linux 32768-60999, Windows and macOS 49152-65535) are out of
    // bounds: a port read from a bind to port 0 is one of them, and any outgoing connection on the
    // machine may take it in the seconds before the child binds it (fresh-clone run 77's RabbitMQ
    // failed on eaddrinuse that way). Below those ranges only listeners compete, and the probe sees them.
    private const int Lowest = 20_000;
    private const int Highest = 32_000;
    private const int Attempts = 200;

    // A process may pick several ports before any child binds one; none is handed out twice.
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>A loopback port nothing listens on now, not handed out before in this process.</summary>
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
            $"No free loopback port in {lowest}-{highest} after {Attempts} tries: the range is taken by listeners or already handed out.");
    }

    private static bool NothingListensOn(int port)
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
