using System.Net.Http.Json;
using System.Text.Json;

namespace VideoConversion.Web.Jobs;

/// <summary>
/// The page's only way to the system: the API's public endpoints. The page never touches the
/// database, and the video goes from the browser straight to storage.
/// </summary>
public sealed class JobsClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <exception cref="JobsApiException">The API is unavailable or answered with an error.</exception>
    public async Task<JobPage> GetRecentAsync(int pageSize, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.GetAsync($"/jobs?page=1&page_size={pageSize}", cancellationToken), cancellationToken);
        return await ReadAsync<JobPage>(response, cancellationToken);
    }

    /// <summary>The size limit, from the API's own setting: one limit for the API and the page.</summary>
    /// <exception cref="JobsApiException">The API is unavailable.</exception>
    public async Task<UploadLimits> GetUploadLimitsAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.GetAsync("/upload/limits", cancellationToken), cancellationToken);
        return await ReadAsync<UploadLimits>(response, cancellationToken);
    }

    /// <param name="size">The file's size: the upload URL is signed for exactly it.</param>
    /// <exception cref="JobsApiException">The API refused the file (its problem detail says why) or is unavailable.</exception>
    public async Task<UploadTicket> RequestUploadAsync(string fileName, long size, string? contentType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.PostAsJsonAsync(
            "/upload/request", new { filename = fileName, content_type = contentType, size_bytes = size }, Json, cancellationToken), cancellationToken);
        return await ReadAsync<UploadTicket>(response, cancellationToken);
    }

    /// <exception cref="JobsApiException">The API refused to start the job or is unavailable.</exception>
    public async Task SubmitAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.PostAsJsonAsync("/jobs", new { job_id = jobId }, Json, cancellationToken), cancellationToken);
        await ReadAsync<JsonElement>(response, cancellationToken);
    }

    /// <exception cref="JobsApiException">The job is unknown or the API is unavailable.</exception>
    public async Task<JobSummary> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.GetAsync($"/jobs/{Uri.EscapeDataString(jobId)}", cancellationToken), cancellationToken);
        return await ReadAsync<JobSummary>(response, cancellationToken);
    }

    private static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, CancellationToken cancellationToken)
    {
        try
        {
            return await send();
        }
        catch (Exception exception) when (exception is HttpRequestException or Polly.ExecutionRejectedException)
        {
            // Unreachable, or the resilience pipeline gave up (timeout, open circuit).
            throw new JobsApiException("The conversion service cannot be reached right now. Please try again in a moment.", exception);
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The HTTP client's own timeout, not the page closing.
            throw new JobsApiException("The conversion service did not answer in time. Please try again in a moment.", exception);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                // RFC 7807: "detail" is written for the person using the page.
                var problem = await response.Content.ReadFromJsonAsync<ProblemResponse>(Json, cancellationToken);
                throw new JobsApiException(problem?.Detail ?? problem?.Title ?? $"The conversion service answered {(int)response.StatusCode}.");
            }

            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                   ?? throw new JobsApiException("The conversion service sent an empty answer.");
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException)
        {
            throw new JobsApiException($"The conversion service sent an answer the page cannot read ({(int)response.StatusCode}).", exception);
        }
    }

    private sealed record ProblemResponse(string? Title, string? Detail);
}
