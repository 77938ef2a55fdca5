using System.ComponentModel.DataAnnotations;
using VideoConversion.Contracts.Jobs;

namespace VideoConversion.Api.Jobs;

/// <summary>How the API watches running jobs, from the "Jobs" configuration section.</summary>
public sealed class JobOptions
{
    public const string SectionName = "Jobs";

    /// <summary>
    /// A PROCESSING job without a report for this long shows "stalled", and the reconciler takes
    /// it up. Workers report at least every 30 s, so it must leave room for two missed reports.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Jobs:StallLimit must be between 1 minute and 1 day (workers report every 30 s).")]
    public TimeSpan StallLimit { get; set; } = JobHeartbeat.StalledAfter;

    /// <summary>How often the reconciler looks: a quarter of the stall limit, between 5 and 30 seconds.</summary>
    public TimeSpan ReconcileInterval => TimeSpan.FromTicks(Math.Clamp(StallLimit.Ticks / 4, TimeSpan.FromSeconds(5).Ticks, TimeSpan.FromSeconds(30).Ticks));
}
