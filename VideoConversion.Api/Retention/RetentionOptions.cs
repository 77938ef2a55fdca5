using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Retention;

/// <summary>How long what users upload and get back is kept, from the "Retention" configuration section.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>
    /// An upload that has not arrived this long after its URL expired never will: its job becomes
    /// EXPIRED and any partial object is removed. The grace covers a PUT that began just in time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00", ErrorMessage = "Retention:UploadGracePeriod must be between 0 and 7 days.")]
    public TimeSpan UploadGracePeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An input is removed this long after its job ended (done, failed or expired): kept a while to look into a failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Retention:InputsAfter must be between 0 and 10 years.")]
    public TimeSpan InputsAfter { get; set; } = TimeSpan.FromDays(1);

    /// <summary>An output is removed this long after its job was done, and the job shows EXPIRED; 0 keeps outputs for ever.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00", ErrorMessage = "Retention:Outputs must be between 0 (for ever) and 10 years.")]
    public TimeSpan Outputs { get; set; } = TimeSpan.Zero;

    /// <summary>A webhook delivery that ended (delivered or failed) is forgotten, with its attempts, this long after its event.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00", ErrorMessage = "Retention:WebhookDeliveries must be between 1 day and 10 years.")]
    public TimeSpan WebhookDeliveries { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the sweeper looks for what has expired.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Retention:SweepInterval must be between 1 second and 1 day.")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
