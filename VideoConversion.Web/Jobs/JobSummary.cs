using System.Text.Json.Serialization;
using VideoConversion.Web.Playback;

namespace VideoConversion.Web.Jobs;

/// <summary>A job as the API's GET /jobs/{id} describes it.</summary>
public sealed record JobSummary(
    string JobId,
    string Status,
    int Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    string? OutputUrl,
    string Filename,
    long? InputBytes = null,
    long? OutputBytes = null,
    bool Stalled = false,
    DateTimeOffset? OutputUrlExpiresAt = null,
    JobOutputsSummary? Outputs = null)
{
    /// <summary>Where the page plays the job's adaptive stream: its own /playback path, which passes the API's link on.</summary>
    [JsonIgnore]
    public string? HlsPath => PlaybackPaths.Local(Outputs?.Hls?.Url);

    [JsonIgnore]
    public string? StoryboardPath => PlaybackPaths.Local(Outputs?.Storyboard?.Url);

    [JsonIgnore]
    public string? PosterUrl => Outputs?.Poster?.Url;

    /// <summary>The download link stops working within <paramref name="margin"/>: time to read the job again for a new one.</summary>
    public bool LinkExpiresWithin(DateTimeOffset now, TimeSpan margin) => OutputUrlExpiresAt is { } expires && expires - now < margin;

    [JsonIgnore]
    public bool IsDone => Status == "DONE";

    [JsonIgnore]
    public bool IsFailed => Status == "FAILED";

    /// <summary>Its upload never came, or its output was removed after the retention time: nothing to download.</summary>
    [JsonIgnore]
    public bool IsExpired => Status == "EXPIRED";

    /// <summary>Its owner canceled it; it can be retried while its upload is kept.</summary>
    [JsonIgnore]
    public bool IsCanceled => Status == "CANCELED";

    [JsonIgnore]
    public bool IsFinal => IsDone || IsFailed || IsExpired || IsCanceled;

    /// <summary>A FAILED or CANCELED job can be run again (the API says no when its upload is gone).</summary>
    [JsonIgnore]
    public bool CanRetry => IsFailed || IsCanceled;

    /// <summary>Awaiting its upload, pending or processing: it can still be canceled.</summary>
    [JsonIgnore]
    public bool CanCancel => !IsFinal;
}

public sealed record JobPage(IReadOnlyList<JobSummary> Items, int Page, int PageSize, int TotalCount);

