using System.Buffers;
using System.Net;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// A slice of a file as a request body, read from disk as the request goes out (never the whole file, or part, in memory),
/// and counted as each write to the connection completes: a request that fails halfway counts what it had handed on, and
/// one sent again (by the client, or by the handler on a fresh connection) counts again, for that is what went out.
/// </summary>
internal sealed class FileSliceContent : HttpContent
{
    /// <summary>Large enough that a fast link is not held up by small writes; small enough to be nothing in memory per part in flight.</summary>
    private const int ChunkBytes = 256 * 1024;

    private readonly string _path;
    private readonly long _offset;
    private readonly long _length;
    private readonly ByteCounter _sent;

    /// <param name="offset">The slice's first byte in the file.</param>
    /// <param name="length">The slice's bytes: the request's Content-Length.</param>
    /// <param name="sent">Where the bytes handed to the connection are counted.</param>
    public FileSliceContent(string path, long offset, long length, ByteCounter sent)
    {
        _path = path;
        _offset = offset;
        _length = length;
        _sent = sent;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        using var file = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (var done = 0L; done < _length;)
            {
                var wanted = (int)Math.Min(ChunkBytes, _length - done);
                var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, wanted), _offset + done, cancellationToken);
                if (read == 0)
                {
                    throw new LoadTestException($"{_path} ends before byte {_offset + _length}: it changed during the upload.");
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                _sent.Add(read);
                done += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
