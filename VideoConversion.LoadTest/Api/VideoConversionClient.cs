using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// The public API as any client uses it: ask for an upload URL, PUT the file straight to storage (the
/// job starts when it lands), read its state. Errors carry the API's RFC 7807 detail.
/// </summary>
/// <param name="management">The API's management port, for the queue readings in /metrics; null for none.</param>
public sealed class VideoConversionClient(HttpClient api, HttpClient storage, HttpClient? management = null)
{
    public Uri BaseAddress => api.BaseAddress!;

    /// <param name="sizeBytes">The file's size, as every client should send it: the URL then takes exactly that many bytes.</param>
    /// <param name="outputs">What the job makes; null for the API's default (the MP4).</param>
    public async Task<(string JobId, Uri UploadUrl)> RequestUploadAsync(
        string fileName, string contentType, long? sizeBytes, CancellationToken cancellationToken, IReadOnlyList<string>? outputs = null)
    {
        using var response = await api.PostAsJsonAsync("/upload/request",
            new { filename = fileName, content_type = contentType, size_bytes = sizeBytes, outputs }, cancellationToken);
        await EnsureSuccessAsync(response, "POST /upload/request", cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<UploadTicket>(cancellationToken)
            ?? throw new LoadTestException("POST /upload/request answered with no body.");
        return (body.JobId, new Uri(body.PresignedUrl));
    }

    /// <returns>How long the PUT took.</returns>
    public async Task<TimeSpan> UploadAsync(Uri presignedUrl, string path, string contentType, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await storage.PutAsync(presignedUrl, content, cancellationToken);
        await EnsureSuccessAsync(response, "PUT to storage", cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    public async Task<JobState> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, $"GET /jobs/{jobId}", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JobState>(cancellationToken)
            ?? throw new LoadTestException($"GET /jobs/{jobId} answered with no body.");
    }

    /// <summary>The queue as the API reads it from the broker; nothing when /metrics is not reachable.</summary>
    public async Task<QueueReading> ReadQueueAsync(CancellationToken cancellationToken)
    {
        if (management is null)
        {
            return new QueueReading(null, null);
        }

        try
        {
            return QueueReading.Parse(await management.GetStringAsync(new Uri("/metrics", UriKind.Relative), cancellationToken));
        }
        catch (Exception problem) when (problem is HttpRequestException || (problem is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Unreachable, or silent past the client's timeout: a gap in the timeline, not a failed run.
            return new QueueReading(null, null);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string call, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = "";
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            detail = problem.TryGetProperty("detail", out var text) ? $": {text.GetString()}" : "";
        }
        catch (JsonException)
        {
            // Not a problem document (storage answers in XML): the status says enough.
        }

        throw new LoadTestException($"{call} answered {(int)response.StatusCode} {response.ReasonPhrase}{detail}");
    }

    private sealed record UploadTicket(
        [property: JsonPropertyName("job_id")] string JobId,
        [property: JsonPropertyName("presigned_url")] string PresignedUrl);
}
