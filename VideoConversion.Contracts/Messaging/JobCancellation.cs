namespace VideoConversion.Contracts.Messaging;

/// <summary>
/// A job its owner canceled, sent to every worker (<see cref="QueueNames.JobCancellations"/>): the one
/// converting it stops FFmpeg, removes its scratch and gives the job up; the others remember it, in
/// case its message reaches them later.
/// </summary>
/// <param name="Run">The run canceled (<see cref="VideoJobMessage.Run"/>): a retry after it is a run of its own, and goes ahead.</param>
public sealed record JobCancellation(string JobId, int Run = 0);
