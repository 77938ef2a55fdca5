namespace VideoConversion.Api.Data;

/// <summary>
/// A message written in the same transaction as the job change it announces, and published
/// afterwards. Recording a job and queueing it can therefore never diverge, even if the API
/// stops between the two.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; private set; }

    public required string JobId { get; init; }

    public required string Queue { get; init; }

    public required byte[] Payload { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The trace the message continues when it is published (W3C traceparent).</summary>
    public string? TraceParent { get; init; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}
