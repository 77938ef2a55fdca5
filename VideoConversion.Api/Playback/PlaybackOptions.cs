using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Playback;

/// <summary>How long playback links live, from the "Playback" configuration section.</summary>
public sealed class PlaybackOptions
{
    public const string SectionName = "Playback";

    /// <summary>
    /// How long an HLS or storyboard link in a job's answer works: a player may fetch the job's playlists with it (each
    /// time with fresh segment URLs) until then. Read the job again for a new one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00", ErrorMessage = "Playback:LinkLifetime must be between 10 seconds and 7 days.")]
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long the storage URLs in a served playlist (segments, sprite sheets) work, from when the playlist was fetched:
    /// long enough to watch the video with pauses. A player that comes back later fetches the playlist again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "7.00:00:00", ErrorMessage = "Playback:SegmentUrlLifetime must be between 5 seconds and 7 days (the S3 maximum).")]
    public TimeSpan SegmentUrlLifetime { get; set; } = TimeSpan.FromHours(6);
}
