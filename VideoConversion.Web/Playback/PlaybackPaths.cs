namespace VideoConversion.Web.Playback;

/// <summary>
/// The API's playback links, as the page's own paths: the browser fetches "/playback/…" from the page's origin and
/// the page passes it to the API (<see cref="PlaybackProxy"/>), so the API need not be reachable from browsers.
/// </summary>
public static class PlaybackPaths
{
    public const string Prefix = "/playback/";

    /// <summary>The path and query of an API playback link; null for none, or for a link that is not one.</summary>
    public static string? Local(string? link) =>
        Uri.TryCreate(link, UriKind.Absolute, out var uri) && uri.AbsolutePath.StartsWith(Prefix, StringComparison.Ordinal)
            ? uri.PathAndQuery
            : null;
}
