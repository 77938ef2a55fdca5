using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Webhooks;

/// <summary>The events a job announces, by the state it moves into.</summary>
public static class WebhookEventTypes
{
    public const string Processing = "job.processing";
    public const string Done = "job.done";
    public const string Failed = "job.failed";
    public const string Canceled = "job.canceled";
    public const string Expired = "job.expired";

    public static readonly IReadOnlyList<string> All = [Processing, Done, Failed, Canceled, Expired];

    /// <summary>The event of a move into <paramref name="status"/>; none for the states in between (awaiting upload, pending).</summary>
    public static string? For(JobStatus status) => status switch
    {
        JobStatus.Processing => Processing,
        JobStatus.Done => Done,
        JobStatus.Failed => Failed,
        JobStatus.Canceled => Canceled,
        JobStatus.Expired => Expired,
        _ => null,
    };
}
