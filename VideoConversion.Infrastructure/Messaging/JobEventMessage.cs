namespace VideoConversion.Infrastructure.Messaging;

/// <summary>What a worker reports about a job.</summary>
public enum JobEventKind
{
    /// <summary>Conversion started or advanced; carries a progress percentage.</summary>
    Processing,

    /// <summary>The output is stored.</summary>
    Done,

    /// <summary>The job cannot succeed; carries a readable error.</summary>
    Failed,
}

/// <summary>A report on <see cref="QueueNames.JobEvents"/>; the API applies it to the job record.</summary>
public sealed record JobEventMessage(
    string JobId,
    JobEventKind Kind,
    int Progress,
    DateTimeOffset OccurredAt,
    string? Error = null,
    long? OutputBytes = null);
