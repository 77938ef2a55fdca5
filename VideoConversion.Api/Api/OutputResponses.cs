using VideoConversion.Contracts.Outputs;

namespace VideoConversion.Api.Api;

// What a job makes, in its answer: one entry per output asked for. Until the job is DONE an entry has no URL and no
// facts; after, every URL is signed for this answer only and stops working at its expires_at.

/// <summary>The job's outputs, as asked for at /upload/request or POST /jobs; those not asked for are absent.</summary>
public sealed record JobOutputsResponse(
    Mp4OutputResponse? Mp4 = null, HlsOutputResponse? Hls = null, PosterOutputResponse? Poster = null, StoryboardOutputResponse? Storyboard = null);

/// <summary>The MP4 (also <c>output_url</c>).</summary>
public sealed record Mp4OutputResponse(string? Url, DateTimeOffset? ExpiresAt, long? Bytes, int? Width, int? Height);

/// <summary>The adaptive stream: <see cref="Url"/> is the master playlist, for any HLS player (the link is its permission).</summary>
/// <param name="Renditions">Best first, as the master playlist states them.</param>
public sealed record HlsOutputResponse(
    string? Url, DateTimeOffset? ExpiresAt, IReadOnlyList<HlsRendition>? Renditions, HlsAudio? Audio, double? SegmentSeconds, long? Bytes);

/// <summary>A JPEG of a representative frame, upright, at most 1280 px long.</summary>
public sealed record PosterOutputResponse(string? Url, DateTimeOffset? ExpiresAt, int? Width, int? Height, long? Bytes);

/// <summary>Scrubbing previews: <see cref="Url"/> is a WebVTT index whose cues point into sprite sheets (#xywh), as players load it.</summary>
public sealed record StoryboardOutputResponse(
    string? Url, DateTimeOffset? ExpiresAt, int? TileWidth, int? TileHeight, double? IntervalSeconds, int? Tiles, long? Bytes);
