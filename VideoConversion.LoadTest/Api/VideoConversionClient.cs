using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// The public API as any client uses it: ask for an upload URL, PUT the file straight to storage in one request or in
/// parts (the job starts when it lands), read its state. Errors carry the API's RFC 7807 detail.
/// </summary>
/// <param name="management">The API's management port, for the queue readings in /metrics; null for none.</param>
public sealed class VideoConversionClient(HttpClient api, HttpClient storage, HttpClient? management = null)
{
    public Uri BaseAddress => api.BaseAddress!;

    /// <param name="sizeBytes">The file's size, as every client should send it: the URL then takes exactly that many bytes.</param>
    /// <param name="outputs">What the job makes; null for the API's default (the MP4).</param>
    /// <returns>The job and its one-PUT URL: for a file up to 5 GiB, which the API lets go in one PUT.</returns>
    public async Task<(string JobId, Uri UploadUrl)> RequestUploadAsync(
        string fileName, string contentType, long? sizeBytes, CancellationToken cancellationToken, IReadOnlyList<string>? outputs = null)
    {
        var ticket = await PostUploadRequestAsync(
            new { filename = fileName, content_type = contentType, size_bytes = sizeBytes, outputs }, cancellationToken);
        return (ticket.JobId, ticket.SingleUrl());
    }

    /// <param name="uploadType">"single" or "multipart", asked for explicitly: the tool does what it says whatever the file's size.</param>
    /// <param name="start">"upload" (null: the API's default) starts the job when its upload lands; "submit" waits for POST /jobs.</param>
    public Task<UploadTicket> RequestUploadTicketAsync(
        string fileName, string contentType, long sizeBytes, string uploadType, CancellationToken cancellationToken,
        IReadOnlyList<string>? outputs = null, string? start = null) =>
        PostUploadRequestAsync(
            new { filename = fileName, content_type = contentType, size_bytes = sizeBytes, outputs, upload_type = uploadType, start }, cancellationToken);

    /// <summary>The whole file in one PUT, streamed from disk.</summary>
    /// <param name="sent">Where the bytes handed to storage's connection are counted; null: not counted.</param>
    /// <returns>How long the PUT took.</returns>
    public async Task<TimeSpan> UploadAsync(Uri presignedUrl, string path, string contentType, CancellationToken cancellationToken, ByteCounter? sent = null)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new FileSliceContent(path, 0, new FileInfo(path).Length, sent ?? new ByteCounter());
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await storage.PutAsync(presignedUrl, content, cancellationToken);
        await EnsureSuccessAsync(response, "PUT to storage", cancellationToken);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The file in the parts <paramref name="ticket"/> cut it in, <paramref name="partsInFlight"/> at once, then completed.</summary>
    /// <param name="sent">Where the part bytes handed to storage's connections are counted, failed attempts included.</param>
    public Task<MultipartUpload.Outcome> UploadInPartsAsync(
        UploadTicket ticket, string path, int partsInFlight, ByteCounter sent, CancellationToken cancellationToken) =>
        ticket is { IsMultipart: true, PartSize: { } partSize, PartCount: { } partCount }
            ? new MultipartUpload(this, storage, partsInFlight).UploadAsync(ticket.JobId, partSize, partCount, path, sent, cancellationToken)
            : throw new LoadTestException($"Job {ticket.JobId}: the API answered a {ticket.UploadType ?? UploadTicket.OnePut} upload, not one in parts.");

    /// <summary>URLs to PUT the given parts of a multipart upload to (1 to 100 of them).</summary>
    public async Task<PartUrlBatch> SignPartsAsync(string jobId, IReadOnlyList<int> partNumbers, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsJsonAsync($"/uploads/{jobId}/parts", new { part_numbers = partNumbers }, cancellationToken);
        await EnsureSuccessAsync(response, $"POST /uploads/{jobId}/parts", cancellationToken);
        return await response.Content.ReadFromJsonAsync<PartUrlBatch>(cancellationToken)
            ?? throw new LoadTestException($"POST /uploads/{jobId}/parts answered with no body.");
    }

    /// <param name="etags">Each part's ETag, part 1 first.</param>
    /// <returns>The status the API answered (202: storage assembled the file, and the job goes on).</returns>
    public async Task<int> CompleteUploadAsync(string jobId, IReadOnlyList<string> etags, CancellationToken cancellationToken)
    {
        var parts = etags.Select((etag, index) => new { part_number = index + 1, etag }).ToList();
        using var response = await api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts }, cancellationToken);
        await EnsureSuccessAsync(response, $"POST /uploads/{jobId}/complete", cancellationToken);
        return (int)response.StatusCode;
    }

    /// <summary>Starts a job that waits for it (<c>start: "submit"</c>), whose upload storage holds.</summary>
    public async Task SubmitJobAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsJsonAsync("/jobs", new { job_id = jobId }, cancellationToken);
        await EnsureSuccessAsync(response, "POST /jobs", cancellationToken);
    }

    /// <summary>Cancels the job if needed and removes it, its upload and its outputs; one already gone is no error.</summary>
    public async Task DeleteJobAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await api.DeleteAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureSuccessAsync(response, $"DELETE /jobs/{jobId}", cancellationToken);
        }
    }

    /// <summary>The same API, with uploads through another storage client (one whose connections a benchmark cuts).</summary>
    public VideoConversionClient WithStorage(HttpClient otherStorage) => new(api, otherStorage, management);

    public async Task<JobState> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, $"GET /jobs/{jobId}", cancellationToken);
        return await response.Content.ReadFromJsonAsync<JobState>(cancellationToken)
            ?? throw new LoadTestException($"GET /jobs/{jobId} answered with no body.");
    }

    /// <summary>Whether the client was given the API's management port, where the queue is read.</summary>
    public bool ReadsQueue => management is not null;

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

    private async Task<UploadTicket> PostUploadRequestAsync(object request, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsJsonAsync("/upload/request", request, cancellationToken);
        await EnsureSuccessAsync(response, "POST /upload/request", cancellationToken);
        return await response.Content.ReadFromJsonAsync<UploadTicket>(cancellationToken)
            ?? throw new LoadTestException("POST /upload/request answered with no body.");
    }
}
