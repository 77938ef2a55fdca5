using Microsoft.Extensions.Caching.Memory;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Storage;

namespace VideoConversion.Api.Playback;

/// <summary>
/// The playlists and storyboard indexes a worker stored, read once and kept in memory: a finished job's files never
/// change, so a player's repeated fetches cost no storage round trip. Deleted and expired jobs are refused before
/// anything is read (the caller checks the job first).
/// </summary>
public sealed class StoredPlaylists(IMinioClient storage) : IDisposable
{
    /// <summary>Room for a few thousand playlists; an hour-long video's media playlist is about 30 KB.</summary>
    private const long CacheBytes = 32L * 1024 * 1024;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = CacheBytes });

    /// <param name="file">A path under the job's prefix: "hls/720p.m3u8", "storyboard/storyboard.vtt".</param>
    /// <returns>The text, or null when storage holds no such file.</returns>
    /// <exception cref="StorageUnavailableException">Storage did not answer.</exception>
    public async Task<string?> ReadAsync(string jobId, string file, CancellationToken cancellationToken)
    {
        var key = StorageNames.OutputFileKey(jobId, file);
        if (_cache.TryGetValue(key, out string? cached))
        {
            return cached;
        }

        string text;
        try
        {
            using var buffer = new MemoryStream();
            await storage.GetObjectAsync(new GetObjectArgs()
                .WithBucket(StorageNames.OutputBucket)
                .WithObject(key)
                .WithCallbackStream((stream, token) => stream.CopyToAsync(buffer, token)), cancellationToken);
            text = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            throw new StorageUnavailableException(exception);
        }

        _cache.Set(key, text, new MemoryCacheEntryOptions { Size = text.Length * 2L, SlidingExpiration = TimeSpan.FromMinutes(30) });
        return text;
    }

    public void Dispose() => _cache.Dispose();
}
