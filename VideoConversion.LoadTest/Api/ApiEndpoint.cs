using System.Net.Http.Headers;

namespace VideoConversion.LoadTest.Api;

/// <summary>
/// The API as the tool reaches it: its address, and the API key every call carries
/// ("Authorization: Bearer"). Shown as its address only, so the key never reaches a report or a log.
/// </summary>
public sealed record ApiEndpoint(Uri Url, string? Key)
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

    public override string ToString() => Url.ToString();
}
