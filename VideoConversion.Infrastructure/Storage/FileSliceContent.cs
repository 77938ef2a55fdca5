using System.Buffers;
using System.Net;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>
/// A slice of a file as a request body, read from disk as the request goes out through one small pooled buffer: never
/// the whole file, or part, in memory, so storing a 10 GB output takes the memory a 10 MB one does.
/// </summary>
public sealed class FileSliceContent : HttpContent
{
    /// <summary>Large enough that a fast link is not held up by small writes; small enough to be nothing in memory per request.</summary>
    private const int ChunkBytes = 256 * 1024;

    private readonly string _path;
    private readonly long _offset;
    private readonly long _length;

    /// <param name="offset">The slice's first byte in the file.</param>
    /// <param name="length">The slice's bytes: the request's Content-Length.</param>
    public FileSliceContent(string path, long offset, long length)
    {
        _path = path;
        _offset = offset;
        _length = length;
        Headers.ContentLength = length;
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
                    throw new IOException($"{_path} ends before byte {_offset + _length}: it changed while it was being stored.");
                }

                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
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
