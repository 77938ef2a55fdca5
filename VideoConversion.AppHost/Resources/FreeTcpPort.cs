using System.Net;
using System.Net.Sockets;

namespace VideoConversion.AppHost.Resources;

internal static class FreeTcpPort
{
    /// <summary>
    /// A loopback port that is free right now. Host-run servers read their ports from config files
    /// written before they start, so the AppHost picks the ports instead of leaving it to DCP.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
