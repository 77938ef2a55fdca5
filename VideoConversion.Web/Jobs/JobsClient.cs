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

    public async Task<JobPage> GetRecentAsync(int pageSize, CancellationToken cancellationToken)
    {
        var page = await http.GetFromJsonAsync<JobPage>($"/jobs?page=1&page_size={pageSize}", Json, cancellationToken);
        return page ?? new JobPage([], 1, pageSize, 0);
    }

    /// <exception cref="JobsApiException">The API refused the file (its problem detail says why) or is unavailable.</exception>
    public async Task<UploadTicket> RequestUploadAsync(string fileName, string? contentType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.PostAsJsonAsync(
            "/upload/request", new { filename = fileName, content_type = contentType }, Json, cancellationToken));
        return await ReadAsync<UploadTicket>(response, cancellationToken);
    }

    /// <exception cref="JobsApiException">The API refused to start the job or is unavailable.</exception>
    public async Task SubmitAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.PostAsJsonAsync("/jobs", new { job_id = jobId }, Json, cancellationToken));
        await ReadAsync<JsonElement>(response, cancellationToken);
    }

    /// <exception cref="JobsApiException">The job is unknown or the API is unavailable.</exception>
    public async Task<JobSummary> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.GetAsync($"/jobs/{Uri.EscapeDataString(jobId)}", cancellationToken));
        return await ReadAsync<JobSummary>(response, cancellationToken);
    }

    private static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException exception)
        {
            throw new JobsApiException("The conversion service cannot be reached right now. Please try again in a moment.", exception);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            // RFC 7807: "detail" is written for the person using the page.
            var problem = await response.Content.ReadFromJsonAsync<ProblemResponse>(Json, cancellationToken).ConfigureAwait(false);
            throw new JobsApiException(problem?.Detail ?? problem?.Title ?? $"The conversion service answered {(int)response.StatusCode}.");
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
               ?? throw new JobsApiException("The conversion service sent an empty answer.");
    }

    private sealed record ProblemResponse(string? Title, string? Detail);
}
