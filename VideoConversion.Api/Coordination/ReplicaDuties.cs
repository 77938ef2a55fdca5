namespace VideoConversion.Api.Coordination;

/// <summary>
/// The API's singletons: work that must run on exactly one replica at a time, each under a lease of this name
/// (<see cref="ReplicaLeases"/>). Twice at once, the queue and workload gauges would be exported twice (and summed), the
/// reconciler and the sweeper would race each other for the same jobs, and a webhook would be sent twice.
/// </summary>
/// <remarks>
/// A name is also the duty's lock key on PostgreSQL (<see cref="AdvisoryLock.KeyOf"/>): renaming one lets a replica of the
/// old version and one of the new run the duty side by side during a rolling update.
/// </remarks>
public static class ReplicaDuties
{
    public const string QueueDepthMonitor = "queue-depth-monitor";
    public const string WorkloadMonitor = "workload-monitor";
    public const string StalledJobReconciler = "stalled-job-reconciler";
    public const string RetentionSweeper = "retention-sweeper";
    public const string WebhookDispatcher = "webhook-dispatcher";

    public static readonly IReadOnlyList<string> All =
        [QueueDepthMonitor, WorkloadMonitor, StalledJobReconciler, RetentionSweeper, WebhookDispatcher];
}
