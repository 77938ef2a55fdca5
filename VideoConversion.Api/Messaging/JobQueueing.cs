using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Messaging;

/// <summary>The outbox message that puts a job on <see cref="QueueNames.VideoJobs"/>: at submission, and again when the reconciler requeues it.</summary>
internal static class JobQueueing
{
    public static OutboxMessage Message(Job job, string outputFormat, DateTimeOffset now, string? traceParent) => new()
    {
        JobId = job.Id,
        Queue = QueueNames.VideoJobs,
        Payload = MessageSerializer.Serialize(new VideoJobMessage(
            job.Id, StorageNames.InputPath(job.InputKey), outputFormat, job.InputETag, job.InputBytes, job.Attempts)),
        CreatedAt = now,
        TraceParent = traceParent,
    };
}
