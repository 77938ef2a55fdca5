namespace VideoConversion.Web.Components.Pages;

/// <summary>What the browser needs to upload one file: its id on the page, and the URL (null when refused).</summary>
public sealed record BrowserUpload(string Id, string? Url);
