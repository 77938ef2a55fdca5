using VideoConversion.Web.Jobs;

namespace VideoConversion.Web.Components.Pages;

/// <summary>
/// What the browser needs to upload one file: its id on the page, and the URL of its one PUT or the plan of its parts
/// (both null when refused).
/// </summary>
public sealed record BrowserUpload(string Id, string? Url, BrowserMultipart? Multipart = null);

/// <summary>A file sent in parts: their size and number, and those storage already holds (a resumed upload).</summary>
public sealed record BrowserMultipart(string JobId, long PartSize, int PartCount, IReadOnlyList<HeldPart> Held);

/// <summary>
/// URLs for parts about to be sent, valid for <paramref name="ValidForMilliseconds"/> (relative: the browser's clock may
/// differ from the servers'); or why none were signed, and whether asking again can help.
/// </summary>
public sealed record BrowserPartUrls(IReadOnlyList<PartUrl> Parts, long ValidForMilliseconds, string? Error = null, bool Final = false);

/// <summary>An upload the browser remembers because it did not complete: the file to choose again to continue it.</summary>
public sealed record RememberedUpload(string Name, long Size);
