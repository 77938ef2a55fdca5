using System.Net.Sockets;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Storage connections that the benchmark cuts at the TCP level: an HTTP handler whose every connection counts the bytes
/// written to it (together, across connections: that is what an upload sent, request lines and headers included), and
/// whose connection that takes the total past one of <paramref name="cutPoints"/> is closed in the middle of its request.
/// Only that one: the parts in flight on the others go on.
/// </summary>
/// <param name="cutPoints">Totals of bytes written at which a connection is cut, each once.</param>
public sealed class ConnectionCutter(IReadOnlyList<long> cutPoints)
{
    private readonly long[] _cutPoints = [.. cutPoints.Order()];
    private long _written;
    private int _cuts;

    /// <summary>Bytes written to every connection so far.</summary>
    public long WrittenBytes => Interlocked.Read(ref _written);

    public int Cuts => Volatile.Read(ref _cuts);

    public SocketsHttpHandler CreateHandler() => new() { ConnectCallback = ConnectAsync };

    /// <returns>Whether this write took the total past the next cut point: then the connection it went to is cut.</returns>
    internal bool Wrote(int bytes)
    {
        var total = Interlocked.Add(ref _written, bytes);
        for (var next = Volatile.Read(ref _cuts); next < _cutPoints.Length && total >= _cutPoints[next]; next = Volatile.Read(ref _cuts))
        {
            // Of two connections past the same point at once, one is cut.
            if (Interlocked.CompareExchange(ref _cuts, next + 1, next) == next)
            {
                return true;
            }
        }

        return false;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new CuttableStream(socket, this);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
