namespace VideoConversion.Contracts.Jobs;

/// <summary>
/// Why an attempt on a job failed. Only the first four are the file's (or its URL's) own doing; every other
/// cause is a fault of the system, and a video is never failed for good because of one while
/// attempts remain (see the retry policy in VideoConversion.Infrastructure).
/// </summary>
public enum FailureCause
{
    /// <summary>A demuxer or decoder rejected the data: the file is damaged or not a video.</summary>
    InputRejected,

    /// <summary>The file breaks a configured limit (size, length, frames, pixel budget, time limit).</summary>
    LimitExceeded,

    /// <summary>The stored upload is not the one that was submitted.</summary>
    InputChanged,

    /// <summary>The job's input URL cannot be fetched as given: an address not allowed, a 4xx answer, too many redirects.</summary>
    InputUnavailable,

    /// <summary>FFmpeg or ffprobe ran out of memory, or was killed the way the OOM killer kills (SIGKILL).</summary>
    OutOfMemory,

    /// <summary>FFmpeg or ffprobe ended by another signal (SIGSEGV, SIGABRT, …).</summary>
    ProcessCrashed,

    /// <summary>FFmpeg made no progress for the stall limit and was stopped.</summary>
    Stalled,

    /// <summary>The worker's scratch disk cannot hold the input or the output.</summary>
    ScratchDiskFull,

    /// <summary>Object storage failed or did not answer in time.</summary>
    StorageUnavailable,

    /// <summary>
    /// The server of the job's input URL failed (5xx, 408, 429), broke off the transfer or did not answer in time,
    /// or its name could not be looked up (the resolver's trouble, not a name that does not exist).
    /// </summary>
    InputSourceFailed,

    /// <summary>The broker failed while the job was in hand.</summary>
    BrokerUnavailable,

    /// <summary>The worker stopped mid-job (a crash, a kill): the attempt ended without a word.</summary>
    WorkerStopped,

    /// <summary>Anything else, a bug of ours included.</summary>
    Unexpected,
}
