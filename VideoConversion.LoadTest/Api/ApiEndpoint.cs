using System.Net.Http.Headers;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// The API as the tool reaches it: its address, and the API key every call carries
/// ("Authorization: Bearer"), and its management port, where /metrics is. Shown as its address only, so
/// the key never reaches a report or a log.
/// </summary>
/// <param name="ManagementUrl">The API's management port (/metrics); null when the tool is not to read it.</param>
public sealed record ApiEndpoint(Uri Url, string? Key, Uri? ManagementUrl = null)
{
    /// <summary>Read from the environment when --api-key is not given, so the key stays out of the shell's history.</summary>
    public const string KeyVariable = "VIDEOCONVERSION_API_KEY";

    public HttpClient CreateClient(TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        var client = handler is null ? new HttpClient() : new HttpClient(handler);
        client.BaseAddress = Url;
        client.Timeout = timeout;
        if (!string.IsNullOrEmpty(Key))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        }

        return client;
    }

    /// <summary>The management port needs no key, and gets none: the key goes to the API's public port only.</summary>
    public HttpClient? CreateManagementClient(TimeSpan timeout) =>
        ManagementUrl is null ? null : new HttpClient { BaseAddress = ManagementUrl, Timeout = timeout };

    public override string ToString() => Url.ToString();
}
