using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A loopback TCP proxy standing for a network link: it can add latency (each request, the first bytes a client sends
/// after the server last spoke, waits <see cref="Latency"/>), cap the rate clients send at, and counts the bytes they
/// sent, as the server receives them.
/// </summary>
public sealed class LinkProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public LinkProxy()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Where connections go; set before the first client connects.</summary>
    public DnsEndPoint? Target { get; set; }

    public TimeSpan Latency { get; set; }

    /// <summary>Requests delayed so far: proof that traffic really goes through the proxy.</summary>
    public int DelayedRequests => Volatile.Read(ref _delayedRequests);

    private int _delayedRequests;

    /// <summary>Bytes clients sent through the proxy so far (requests and their bodies, as the server got them).</summary>
    public long BytesFromClients => Interlocked.Read(ref _bytesFromClients);

    private long _bytesFromClients;

    /// <summary>The most bytes a second all clients together may send; null for no cap.</summary>
    public long? ClientBytesPerSecond { get; set; }

    private readonly Lock _rateLock = new();
    private long _linkFreeAt;

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                var target = Target ?? throw new InvalidOperationException("The proxy has no target.");
                await server.ConnectAsync(target.Host, target.Port, _stopping.Token);
                var serverSpokeLast = new StrongBox<bool>(true);
                var upstream = PumpAsync(client.GetStream(), server.GetStream(), serverSpokeLast, delayRequests: true);
                var downstream = PumpAsync(server.GetStream(), client.GetStream(), serverSpokeLast, delayRequests: false);
                await Task.WhenAny(upstream, downstream);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException)
            {
                // A side closed the connection; so does the proxy.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, StrongBox<bool> serverSpokeLast, bool delayRequests)
    {
        var buffer = new byte[81920];
        int read;
        while ((read = await from.ReadAsync(buffer, _stopping.Token)) > 0)
        {
            if (delayRequests && serverSpokeLast.Value && Latency > TimeSpan.Zero)
            {
                Interlocked.Increment(ref _delayedRequests);
                await Task.Delay(Latency, _stopping.Token);
            }

            serverSpokeLast.Value = !delayRequests;
            if (delayRequests)
            {
                await TakeLinkAsync(read);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
            if (delayRequests)
            {
                Interlocked.Add(ref _bytesFromClients, read);
            }
        }
    }

    /// <summary>Waits until the link, shared by every connection, has carried what was sent before at the capped rate.</summary>
    private async Task TakeLinkAsync(int bytes)
    {
        if (ClientBytesPerSecond is not { } rate)
        {
            return;
        }

        TimeSpan wait;
        lock (_rateLock)
        {
            var now = Stopwatch.GetTimestamp();
            _linkFreeAt = Math.Max(_linkFreeAt, now) + bytes * Stopwatch.Frequency / rate;
            wait = Stopwatch.GetElapsedTime(now, _linkFreeAt - bytes * Stopwatch.Frequency / rate);
        }

        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _stopping.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }

    private sealed class StrongBox<T>(T value)
    {
        public T Value { get; set; } = value;
    }
}
