namespace VideoConversion.Contracts.Messaging;

public static class QueueNames
{
    /// <summary>Conversion jobs, from the API to the workers.</summary>
    public const string VideoJobs = "video_jobs";

    /// <summary>Jobs that exhausted their delivery attempts.</summary>
    public const string VideoJobsDead = "video_jobs.dead";

    /// <summary>Exchange that routes dead jobs to <see cref="VideoJobsDead"/>.</summary>
    public const string VideoJobsDeadLetterExchange = "video_jobs.dlx";

    /// <summary>Progress and outcome reports, from the workers to the API (the only database owner).</summary>
    public const string JobReports = "video_job_reports";

    /// <summary>Reports the API could not apply (unreadable, for an unknown job, or failing every time), kept for a person to look at.</summary>
    public const string JobReportsDead = "video_job_reports.dead";

    /// <summary>
    /// Jobs canceled by their owner, from the API to every worker at once: a fanout exchange
    /// (<see cref="ExchangeFor"/>) with no queue of its own; each worker binds a private queue while it runs.
    /// </summary>
    public const string JobCancellations = "video_job_cancellations";

    /// <summary>
    /// Object-created events of the input bucket, from storage to the API (MinIO's AMQP notification target, or the
    /// S3 stand-in's): a job starts the moment its upload lands. Storage publishes to its entrance exchange only.
    /// </summary>
    public const string UploadEvents = "video_uploads";

    /// <summary>Queues messages are published to, each through its own exchange (see MessagingTopology in VideoConversion.Infrastructure).</summary>
    public static readonly IReadOnlyList<string> Published = [VideoJobs, JobReports, JobReportsDead, UploadEvents];

    /// <summary>
    /// The direct exchange publishers write to for <paramref name="queue"/>. Its name is no queue's:
    /// RabbitMQ's permission patterns match queues and exchanges alike, so a shared name would let
    /// the right to publish reports also reach the report queue.
    /// </summary>
    public static string ExchangeFor(string queue) => $"{queue}.in";
}
