using Microsoft.Net.Http.Headers;

namespace VideoConversion.Web.Playback;

/// <summary>
/// Passes the browser's playlist fetches ("/playback/{job}/{token}/…") to the API unchanged and its answers back. The
/// link's token is the permission, so no credential is added; only playlists and storyboard indexes pass here, never
/// video bytes (their signed storage URLs point at storage).
/// </summary>
public static class PlaybackProxy
{
    public const string ClientName = "playback";

    /// <summary>The longest a playlist may take to come from the API before the player is told so.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static IServiceCollection AddPlaybackProxy(this IServiceCollection services)
    {
        // "api" resolves through service discovery, as the page's other API calls do.
        services.AddHttpClient(ClientName, client =>
            {
                client.BaseAddress = new Uri("http://api");
                client.Timeout = Timeout;
            })
            // Its request lines carry the link's token (the permission to play): not logged (traces redact it).
            .RemoveAllLoggers();
        return services;
    }

    public static IEndpointRouteBuilder MapPlaybackProxy(this IEndpointRouteBuilder app)
    {
        // Only what the API's playback serves: playlists and the storyboard index.
        app.MapGet(PlaybackPaths.Prefix + "{jobId}/{token}/hls/{playlist:regex(^[a-z0-9]+\\.m3u8$)}",
                (string jobId, string token, string playlist, HttpContext http, IHttpClientFactory clients) => PassAsync(jobId, token, $"hls/{playlist}", http, clients))
            .AllowAnonymous().DisableAntiforgery();
        app.MapGet(PlaybackPaths.Prefix + "{jobId}/{token}/storyboard.vtt",
                (string jobId, string token, HttpContext http, IHttpClientFactory clients) => PassAsync(jobId, token, "storyboard.vtt", http, clients))
            .AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task PassAsync(string jobId, string token, string file, HttpContext http, IHttpClientFactory clients)
    {
        var client = clients.CreateClient(ClientName);
        var path = $"{PlaybackPaths.Prefix}{Uri.EscapeDataString(jobId)}/{Uri.EscapeDataString(token)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}";
        try
        {
            using var answer = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
            http.Response.StatusCode = (int)answer.StatusCode;
            http.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
            http.Response.Headers[HeaderNames.CacheControl] = "no-store";
            await answer.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !http.RequestAborted.IsCancellationRequested &&
                                          !http.Response.HasStarted)
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Playback unavailable",
                detail: "The service that serves the video's playlists did not answer; try again in a moment.").ExecuteAsync(http);
        }
    }
}
