namespace VideoConversion.Web.Jobs;

/// <summary>What the page shows of a job's outputs (GET /jobs/{id}'s "outputs"); those not asked for are null.</summary>
public sealed record JobOutputsSummary(HlsSummary? Hls = null, PosterSummary? Poster = null, StoryboardSummary? Storyboard = null);

/// <param name="Url">The master playlist's playback link; null until the job is DONE.</param>
public sealed record HlsSummary(string? Url);

public sealed record PosterSummary(string? Url, int? Width = null, int? Height = null);

/// <param name="Url">The storyboard's WebVTT playback link; null until the job is DONE.</param>
public sealed record StoryboardSummary(string? Url);
