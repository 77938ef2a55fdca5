namespace VideoConversion.Infrastructure.Messaging;

/// <summary>What a consumer does with a delivery once its handler returns.</summary>
public enum DeliveryOutcome
{
    /// <summary>The work is done (or reported as failed): remove the message.</summary>
    Ack,

    /// <summary>The work could not be done now: put the message back for another attempt.</summary>
    Requeue,

    /// <summary>The message itself is unusable: dead-letter it (or drop it where no dead-letter queue exists).</summary>
    Reject,
}
