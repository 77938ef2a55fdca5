using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Web.Accounts;
using VideoConversion.Web.Jobs;

namespace VideoConversion.Web.Api;

/// <summary>
/// Calls the API as the person signed in to the page: their token on every request, the API's
/// problems turned into messages fit for the page, and a missing or expired sign-in told apart.
/// </summary>
public abstract class SignedInApiClient(HttpClient http, ApiCredentials credentials)
{
    protected static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    protected async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var token = await credentials.TokenAsync() ?? throw new SignInRequiredException();
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body, options: Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                throw new SignInRequiredException();
            }

            return response;
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

    protected static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            if (!response.IsSuccessStatusCode)
            {
                // RFC 7807: "detail" is written for the person using the page.
                var problem = await response.Content.ReadFromJsonAsync<ProblemResponse>(Json, cancellationToken);
                throw new JobsApiException(
                    problem?.Detail ?? problem?.Title ?? $"The conversion service answered {(int)response.StatusCode}.", status: (int)response.StatusCode);
            }

            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                   ?? throw new JobsApiException("The conversion service sent an empty answer.");
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException)
        {
            throw new JobsApiException($"The conversion service sent an answer the page cannot read ({(int)response.StatusCode}).", exception);
        }
    }

    /// <summary>For calls answered with no body (204): a problem becomes the page's message.</summary>
    protected static async Task EnsureSucceededAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync<JsonElement>(response, cancellationToken);
        }
    }

    private sealed record ProblemResponse(string? Title, string? Detail);
}
