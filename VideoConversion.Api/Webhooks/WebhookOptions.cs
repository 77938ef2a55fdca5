using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Webhooks;

/// <summary>How webhooks are sent, from the "Webhooks" section. Where they may go is the "Outbound" section's.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// The waits before each attempt after the first, comma-separated; after the last one fails the delivery is
    /// FAILED. The default (about 27.5 hours in all) is Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    /// Each wait is varied by up to a fifth, so endpoints that failed together are not retried together.
    /// </summary>
    [Required]
    public string RetrySchedule { get; set; } = "00:00:05,00:05:00,00:30:00,02:00:00,05:00:00,10:00:00,10:00:00";

    /// <summary>How long a receiver has to answer one attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts in flight at once, over every endpoint.</summary>
    [Range(1, 1000)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>
    /// Attempts in flight at once to one receiving host (scheme, host and port; every endpoint there together):
    /// a slow receiver holds at most this many of the others' places.
    /// </summary>
    [Range(1, 100)]
    public int MaxConcurrencyPerEndpoint { get; set; } = 4;

    /// <summary>Attempts in flight at once for one account, to all its receivers: one account's hanging receivers hold at most this many places.</summary>
    [Range(1, 1000)]
    public int MaxConcurrencyPerAccount { get; set; } = 8;

    /// <summary>Endpoints one account may register at /webhooks.</summary>
    [Range(1, 1000)]
    public int MaxEndpointsPerAccount { get; set; } = 20;

    /// <summary>The parsed <see cref="RetrySchedule"/> (validated at start).</summary>
    public WebhookRetrySchedule Schedule() =>
        WebhookRetrySchedule.TryParse(RetrySchedule, out var schedule) ? schedule : throw new FormatException("Webhooks:RetrySchedule is not a list of waits.");
}
