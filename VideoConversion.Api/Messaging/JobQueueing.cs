using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// The outbox messages about a job: the one that puts it on <see cref="QueueNames.VideoJobs"/> (at submission, at a retry, and
/// again when the reconciler requeues it), and the one that tells every worker it was canceled.
/// </summary>
internal static class JobQueueing
{
    /// <param name="run">The run to stop: the job's current one when its owner cancels, an earlier one a retry replaced.</param>
    public static OutboxMessage Cancellation(Job job, int run, DateTimeOffset now) => new()
    {
        JobId = job.Id,
        Queue = QueueNames.JobCancellations,
        Payload = MessageSerializer.Serialize(new JobCancellation(job.Id, run)),
        CreatedAt = now,
        TraceParent = job.TraceParent,
    };

    /// <param name="maxInputBytes">For a job from a URL: the largest file the worker may fetch (Uploads:MaxFileBytes, as for an upload).</param>
    public static OutboxMessage Message(Job job, string outputFormat, DateTimeOffset now, string? traceParent, long maxInputBytes) => new()
    {
        JobId = job.Id,
        Queue = QueueNames.VideoJobs,
        Payload = MessageSerializer.Serialize(new VideoJobMessage(
            job.Id, StorageNames.InputPath(job.InputKey), outputFormat, job.InputETag, job.InputBytes, job.Attempts, job.Runs,
            job.InputUrl, job.InputUrl is null ? null : maxInputBytes,
            // The MP4 alone travels as no list, as before outputs could be chosen: a worker of then reads it alike.
            job.OutputList.SequenceEqual(OutputKinds.Default) ? null : job.OutputList)),
        CreatedAt = now,
        TraceParent = traceParent,
    };
}
