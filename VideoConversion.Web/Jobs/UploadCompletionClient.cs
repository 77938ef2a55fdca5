using System.Text.Json;
using VideoConversion.Web.Accounts;
using VideoConversion.Web.Api;

namespace VideoConversion.Web.Jobs;

/// <summary>
/// Completing an upload in parts: storage assembles the file meanwhile (minutes for tens of GB on some servers), so this
/// call has a client of its own with a long time limit, not the page's usual seconds, and is never retried blindly.
/// </summary>
public sealed class UploadCompletionClient(HttpClient http, ApiCredentials credentials) : SignedInApiClient(http, credentials)
{
    /// <summary>As long as the API gives storage to assemble a file, and a minute more.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(16);

    /// <summary>Storage assembles the parts into the file, and the job starts.</summary>
    /// <exception cref="JobsApiException">A part is missing or wrong (the message names it), or the API is unavailable.</exception>
    public async Task CompleteUploadAsync(string jobId, IReadOnlyList<SentPart> parts, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/uploads/{Uri.EscapeDataString(jobId)}/complete", new { parts }, cancellationToken);
        await ReadAsync<JsonElement>(response, cancellationToken);
    }
}
