using System.Text.RegularExpressions;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A playback link's token is its permission (/playback/{job id}/{token}/…): whoever reads it plays the video until it
/// expires. Traces keep the path of every request, so the token is taken out of them wherever a link passes (the API
/// serves it, the page passes it on).
/// </summary>
public static partial class PlaybackLinkRedaction
{
    public const string Redacted = "{token}";

    /// <summary>The path or URL with a playback link's token replaced; null when it holds none.</summary>
    public static string? Redact(string? pathOrUrl) =>
        pathOrUrl is not null && Token().IsMatch(pathOrUrl) ? Token().Replace(pathOrUrl, $"/playback/${{job}}/{Redacted}/") : null;

    [GeneratedRegex("/playback/(?<job>[^/]+)/[^/]+/")]
    private static partial Regex Token();
}
