using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Quotas;

/// <summary>What one account may hold at once, from the "Quotas" configuration section.</summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    /// <summary>Jobs awaiting their upload, pending or processing at once; one more is refused with 429.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Quotas:MaxActiveJobs must be between 1 and 1,000,000.")]
    public int MaxActiveJobs { get; set; } = 100;

    /// <summary>
    /// Bytes of inputs and outputs the account keeps in storage (declared sizes count until the real
    /// ones are known); an upload that would pass it is refused with 413.
    /// </summary>
    [Range(1, long.MaxValue, ErrorMessage = "Quotas:MaxStoredBytes must be positive.")]
    public long MaxStoredBytes { get; set; } = 100L * 1000 * 1000 * 1000;
}
