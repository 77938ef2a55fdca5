using System.Net;
using System.Net.Sockets;

namespace VideoConversion.Tests.Support;

public static class FreeTcpPort
{
    /// <summary>A loopback port nothing listens on right now, for a server a test starts.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
