namespace VideoConversion.Contracts.Messaging;

/// <summary>What a worker reports about a job.</summary>
public enum JobReportKind
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
