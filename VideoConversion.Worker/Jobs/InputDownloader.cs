using System.Net;
using System.Net.Http.Headers;
using Minio;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Downloads a job's input only if it is still the object that was submitted: one GET with
/// If-Match on the ETag recorded at submission, so an upload replaced afterwards is never
/// converted. (The Minio SDK's GetObject ignores its own MatchETag and stats the object first:
/// three round trips where this is one.)
/// </summary>
public sealed class InputDownloader(IMinioClient storage) : IDisposable
{
    public const string InputChangedMessage =
        "The upload changed after it was submitted, so it was not converted. Upload the video again as a new job.";

    private static readonly TimeSpan UrlLifetime = TimeSpan.FromMinutes(15);

    // Its own client: the service defaults' resilience handler would cut a long download at 30 s.
    // Each download is bounded by its caller's transfer timeout instead.
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <exception cref="ConversionFailedException">The stored object is not the one submitted (<see cref="FailureCause.InputChanged"/>).</exception>
    /// <exception cref="HttpRequestException">Storage failed or the input is gone: a fault of the system.</exception>
    public async Task DownloadAsync(string bucket, string key, string? submittedETag, long? submittedBytes, string file, CancellationToken cancellationToken)
    {
        var url = await storage.PresignedGetObjectAsync(new PresignedGetObjectArgs()
            .WithBucket(bucket).WithObject(key).WithExpiry((int)UrlLifetime.TotalSeconds));
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (submittedETag is not null)
        {
            request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{submittedETag.Trim('"')}\""));
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new ConversionFailedException(InputChangedMessage, $"the input's ETag is no longer {submittedETag}", FailureCause.InputChanged);
        }

        response.EnsureSuccessStatusCode();
        await using (var target = File.Create(file))
        {
            await response.Content.CopyToAsync(target, cancellationToken);
        }

        if (submittedBytes is { } expected && new FileInfo(file).Length != expected)
        {
            throw new ConversionFailedException(InputChangedMessage,
                $"{new FileInfo(file).Length} bytes instead of the {expected} submitted", FailureCause.InputChanged);
        }
    }

    public void Dispose() => _http.Dispose();
}
