using System.Globalization;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// When a delivery whose attempt failed is tried again: the configured waits in turn, each lengthened by up to a
/// fifth so endpoints that failed together are not all tried again together, then no more.
/// </summary>
public sealed class WebhookRetrySchedule
{
    private const double MaxJitter = 0.2;

    /// <summary>The longest one wait may be: past it a receiver has long been given up on, and the sums stay in range.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(7);

    private readonly IReadOnlyList<TimeSpan> _waits;

    private WebhookRetrySchedule(IReadOnlyList<TimeSpan> waits) => _waits = waits;

    /// <summary>The shortest time from the first attempt to the last, jitter aside: what a receiver is promised.</summary>
    public TimeSpan Span => _waits.Aggregate(TimeSpan.Zero, (sum, wait) => sum + wait);

    /// <summary>Attempts in all, the first included.</summary>
    public int Attempts => _waits.Count + 1;

    /// <summary>
    /// Reads "00:00:05,00:05:00,…"; false unless it names at least one wait, each written as hh:mm:ss (a bare "5"
    /// would read as five days) and none negative or over <see cref="MaxWait"/>.
    /// </summary>
    public static bool TryParse(string? text, out WebhookRetrySchedule schedule)
    {
        schedule = new WebhookRetrySchedule([]);
        var waits = new List<TimeSpan>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.Contains(':', StringComparison.Ordinal) || !TimeSpan.TryParse(part, CultureInfo.InvariantCulture, out var wait) ||
                wait < TimeSpan.Zero || wait > MaxWait)
            {
                return false;
            }

            waits.Add(wait);
        }

        schedule = new WebhookRetrySchedule(waits);
        return waits.Count > 0;
    }

    /// <summary>
    /// The wait before the next attempt after <paramref name="failedAttempts"/> have failed, or null when that was
    /// the last. <paramref name="random"/> in [0, 1) picks the jitter; it only ever lengthens a wait, so the
    /// schedule's whole <see cref="Span"/> holds.
    /// </summary>
    public TimeSpan? WaitAfter(int failedAttempts, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        return failedAttempts > _waits.Count ? null : _waits[failedAttempts - 1] * (1.0 + (Math.Clamp(random, 0, 1) * MaxJitter));
    }
}
