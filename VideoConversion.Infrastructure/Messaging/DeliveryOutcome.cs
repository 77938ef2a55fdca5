namespace VideoConversion.Infrastructure.Messaging;

/// <summary>What a consumer does with a delivery once its handler returns.</summary>
public enum DeliveryOutcome
{
    /// <summary>The work is done (or reported as failed): remove the message.</summary>
    Ack,

    /// <summary>The attempt failed: put the message back for another attempt (it counts towards the delivery limit).</summary>
    Requeue,

    /// <summary>The work was not attempted or was given up on shutdown: put the message back, not counted as a failure.</summary>
    Return,

    /// <summary>The message itself is unusable: dead-letter it (or drop it where no dead-letter queue exists).</summary>
    Reject,
}
