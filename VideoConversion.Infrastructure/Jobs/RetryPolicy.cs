using VideoConversion.Contracts.Jobs;

namespace VideoConversion.Infrastructure.Jobs;

/// <summary>What happens to a job after a failed attempt.</summary>
public enum RetryAction
{
    /// <summary>Another attempt: the message goes back to the queue.</summary>
    Retry,

    /// <summary>The job ends FAILED with <see cref="RetryDecision.Message"/>.</summary>
    Fail,

    /// <summary>Every attempt died without a word: the job ends FAILED and is counted as dead-lettered.</summary>
    SetAside,
}

/// <param name="Reason">Why, in an operator's words (logged and traced with the decision).</param>
/// <param name="Message">For <see cref="RetryAction.Fail"/> and <see cref="RetryAction.SetAside"/>: the sentence the uploader reads.</param>
/// <param name="Backoff">For <see cref="RetryAction.Retry"/>: how long to wait before the next attempt, so a short outage passes first.</param>
public sealed record RetryDecision(RetryAction Action, FailureCause Cause, string Reason, string? Message, TimeSpan Backoff = default);

/// <summary>
/// The one place that decides what a failed attempt means for its job. The file's own faults are
/// final at once, since another attempt would fail the same way; faults of the system (a killed or
/// crashed FFmpeg, a full disk, storage or broker trouble, a worker that vanished) are retried up
/// to <see cref="MaxAttempts"/> attempts in all, and then fail with a message that names the cause.
/// The worker asks it after every failed attempt; the API asks it for jobs the broker or the
/// reconciler set aside.
/// </summary>
public static class RetryPolicy
{
    public const int MaxAttempts = 3;

    public static bool IsTheFilesFault(FailureCause cause) =>
        cause is FailureCause.InputRejected or FailureCause.LimitExceeded or FailureCause.InputChanged or FailureCause.InputUnavailable;

    /// <param name="attempt">The attempt that failed, counting from 1.</param>
    /// <param name="fileMessage">For the file's own faults: what is wrong with it, for the uploader.</param>
    public static RetryDecision Decide(FailureCause cause, int attempt, string? fileMessage = null)
    {
        if (IsTheFilesFault(cause))
        {
            return new RetryDecision(RetryAction.Fail, cause, "the file's own fault: another attempt would fail the same way",
                fileMessage ?? "The video could not be converted.");
        }

        if (attempt < MaxAttempts)
        {
            return new RetryDecision(RetryAction.Retry, cause,
                $"a fault of the system ({cause}), not of the file: attempt {attempt} of {MaxAttempts}", null, BackoffAfter(attempt));
        }

        var action = cause == FailureCause.WorkerStopped ? RetryAction.SetAside : RetryAction.Fail;
        return new RetryDecision(action, cause,
            $"a fault of the system ({cause}) on all {MaxAttempts} attempts", GaveUpMessage(cause, MaxAttempts));
    }

    /// <summary>
    /// 10 s after the first failed attempt, 30 s after the second: a storage or broker restart,
    /// or a node short of memory for a moment, has passed before the last attempt is spent.
    /// </summary>
    public static TimeSpan BackoffAfter(int attempt) => TimeSpan.FromSeconds(10 * Math.Pow(3, Math.Max(0, attempt - 1)));

    /// <summary>The uploader's sentence for a job that met the same fault of the system on every attempt.</summary>
    public static string GaveUpMessage(FailureCause cause, int attempts) => cause switch
    {
        FailureCause.OutOfMemory =>
            $"The conversion ran out of memory {attempts} times; try a smaller file or ask the operator to raise the worker's memory limit.",
        FailureCause.ProcessCrashed =>
            $"The converter crashed {attempts} times on this video; the details are in the worker's log. Ask the operator, or try again later.",
        FailureCause.Stalled =>
            $"The conversion stopped making progress {attempts} times and was stopped each time; the details are in the worker's log.",
        FailureCause.ScratchDiskFull =>
            $"The worker's disk was too full to convert this video {attempts} times; ask the operator to give the workers more scratch space.",
        FailureCause.InputSourceFailed =>
            $"The video's address could not be fetched {attempts} times (its server failed, broke off or did not answer in time, or its name could not be looked up); try again later.",
        FailureCause.WorkerStopped =>
            $"The conversion was interrupted {attempts} times (the worker stopped or crashed each time), so the job was set aside.",
        _ =>
            $"The conversion failed {attempts} times because of a problem in the system, not in the video; the details are in the worker's log. Please try again later.",
    };
}
