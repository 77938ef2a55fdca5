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

    /// <summary>
    /// An attempt failed through a fault of the system and the job goes back to the queue for
    /// the next one (the retry policy's decision); carries the cause and, in Error, the reason.
    /// </summary>
    Retrying,
}

/// <summary>A report on <see cref="QueueNames.JobEvents"/>; the API applies it to the job record.</summary>
/// <param name="Attempt">Which delivery of the job the report comes from, counting from 1.</param>
/// <param name="ConversionMethod">On <see cref="JobEventKind.Done"/>: "remux", "transcode", or which streams were copied.</param>
/// <param name="SetAside">On <see cref="JobEventKind.Failed"/>: the job was set aside because every attempt died (a dead letter).</param>
/// <param name="Cause">On <see cref="JobEventKind.Failed"/>: why, as the retry policy saw it.</param>
public sealed record JobEventMessage(
    string JobId,
    JobEventKind Kind,
    int Progress,
    DateTimeOffset OccurredAt,
    string? Error = null,
    long? OutputBytes = null,
    int Attempt = 1,
    string? ConversionMethod = null,
    bool SetAside = false,
    Jobs.FailureCause? Cause = null);
