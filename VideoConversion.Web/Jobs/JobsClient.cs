using System.Text.Json;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Web.Accounts;
using VideoConversion.Web.Api;

namespace VideoConversion.Web.Jobs;

/// <summary>
/// The page's only way to the system: the API's public endpoints, called with the signed-in
/// person's credential, so the API shows them their own jobs only. The page never touches the
/// database, and the video goes from the browser straight to storage.
/// </summary>
public sealed class JobsClient(HttpClient http, ApiCredentials credentials) : SignedInApiClient(http, credentials)
{
    /// <exception cref="JobsApiException">The API is unavailable or answered with an error.</exception>
    public async Task<JobPage> GetPageAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/jobs?page={page}&page_size={pageSize}", null, cancellationToken);
        return await ReadAsync<JobPage>(response, cancellationToken);
    }

    /// <summary>The size limit, from the API's own setting: one limit for the API and the page.</summary>
    /// <exception cref="JobsApiException">The API is unavailable.</exception>
    public async Task<UploadLimits> GetUploadLimitsAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/upload/limits", null, cancellationToken);
        return await ReadAsync<UploadLimits>(response, cancellationToken);
    }

    /// <summary>What the page asks of every upload: the MP4 to download, and the stream, poster and storyboard it plays with.</summary>
    public static readonly IReadOnlyList<string> PageOutputs = OutputKinds.Supported;

    /// <param name="size">The file's size: the upload URL is signed for exactly it.</param>
    /// <exception cref="JobsApiException">The API refused the file (its problem detail says why) or is unavailable.</exception>
    public async Task<UploadTicket> RequestUploadAsync(string fileName, long size, string? contentType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            HttpMethod.Post, "/upload/request", new { filename = fileName, content_type = contentType, size_bytes = size, outputs = PageOutputs }, cancellationToken);
        return await ReadAsync<UploadTicket>(response, cancellationToken);
    }

    /// <summary>URLs for the parts about to be sent; asking also keeps the upload from being taken for abandoned.</summary>
    /// <exception cref="JobsApiException">The upload is not awaiting parts any more, or the API is unavailable.</exception>
    public async Task<PartUrls> SignPartsAsync(string jobId, IReadOnlyList<int> partNumbers, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/uploads/{Uri.EscapeDataString(jobId)}/parts", new { part_numbers = partNumbers }, cancellationToken);
        return await ReadAsync<PartUrls>(response, cancellationToken);
    }

    /// <summary>The parts storage already holds: what a resumed upload need not send again.</summary>
    /// <exception cref="JobsApiException">The job is not this person's multipart upload awaiting its parts, or the API is unavailable.</exception>
    public async Task<HeldParts> ListPartsAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/uploads/{Uri.EscapeDataString(jobId)}/parts", null, cancellationToken);
        return await ReadAsync<HeldParts>(response, cancellationToken);
    }

    /// <summary>Storage drops the parts sent so far.</summary>
    /// <exception cref="JobsApiException">The API refused or is unavailable.</exception>
    public async Task AbortUploadAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/uploads/{Uri.EscapeDataString(jobId)}", null, cancellationToken);
        await EnsureSucceededAsync(response, cancellationToken);
    }

    /// <exception cref="JobsApiException">The API refused to start the job or is unavailable.</exception>
    public async Task SubmitAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "/jobs", new { job_id = jobId }, cancellationToken);
        await ReadAsync<JsonElement>(response, cancellationToken);
    }

    /// <summary>Cancels the job (CANCELED at once; its conversion stops).</summary>
    /// <exception cref="JobsApiException">The job is done already, unknown, or the API is unavailable.</exception>
    public async Task<JobSummary> CancelAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/jobs/{Uri.EscapeDataString(jobId)}/cancel", null, cancellationToken);
        return await ReadAsync<JobSummary>(response, cancellationToken);
    }

    /// <summary>Runs a FAILED or CANCELED job again.</summary>
    /// <exception cref="JobsApiException">It cannot be retried (its problem detail says why), or the API is unavailable.</exception>
    public async Task RetryAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/jobs/{Uri.EscapeDataString(jobId)}/retry", null, cancellationToken);
        await ReadAsync<JsonElement>(response, cancellationToken);
    }

    /// <summary>Deletes the job and its files.</summary>
    /// <exception cref="JobsApiException">The job is unknown or the API is unavailable.</exception>
    public async Task DeleteAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/jobs/{Uri.EscapeDataString(jobId)}", null, cancellationToken);
        await EnsureSucceededAsync(response, cancellationToken);
    }

    /// <exception cref="JobsApiException">The job is unknown or the API is unavailable.</exception>
    public async Task<JobSummary> GetAsync(string jobId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/jobs/{Uri.EscapeDataString(jobId)}", null, cancellationToken);
        return await ReadAsync<JobSummary>(response, cancellationToken);
    }
}
