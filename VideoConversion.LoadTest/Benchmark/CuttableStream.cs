using System.Net.Sockets;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// One TCP connection to storage, as the HTTP client writes to and reads from it: every byte written is counted by the
/// <see cref="ConnectionCutter"/>, and the write that takes the total past a cut point closes this connection abruptly, as
/// a link that drops does, in the middle of its request.
/// </summary>
internal sealed class CuttableStream : Stream
{
    private readonly Socket _socket;
    private readonly NetworkStream _inner;
    private readonly ConnectionCutter _cutter;

    public CuttableStream(Socket socket, ConnectionCutter cutter)
    {
        _socket = socket;
        _inner = new NetworkStream(socket, ownsSocket: true);
        _cutter = cutter;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _inner.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _inner.Write(buffer);
        Wrote(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(buffer, cancellationToken);
        Wrote(buffer.Length);
    }

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Wrote(int bytes)
    {
        if (!_cutter.Wrote(bytes))
        {
            return;
        }

        // Closed at once with a reset (no linger), as a dropped link ends: storage loses the part it was receiving, and the
        // client's request fails as on a real network, with the connection gone.
        _socket.Close(0);
        throw new IOException("The benchmark cut this connection to storage.", new SocketException((int)SocketError.ConnectionReset));
    }
}
