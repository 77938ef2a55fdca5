using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Jobs;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>The one rule for failed attempts: the file's faults are final, the system's are retried, then named.</summary>
public class RetryPolicyTests
{
    [Theory]
    [InlineData(FailureCause.InputRejected)]
    [InlineData(FailureCause.LimitExceeded)]
    [InlineData(FailureCause.InputChanged)]
    [InlineData(FailureCause.InputUnavailable)]
    public void The_files_own_faults_are_final_on_the_first_attempt_with_the_files_message(FailureCause cause)
    {
        var decision = RetryPolicy.Decide(cause, attempt: 1, "The file is damaged.");
        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.Equal("The file is damaged.", decision.Message);
    }

    [Theory]
    [InlineData(FailureCause.OutOfMemory)]
    [InlineData(FailureCause.ProcessCrashed)]
    [InlineData(FailureCause.Stalled)]
    [InlineData(FailureCause.ScratchDiskFull)]
    [InlineData(FailureCause.StorageUnavailable)]
    [InlineData(FailureCause.InputSourceFailed)]
    [InlineData(FailureCause.BrokerUnavailable)]
    [InlineData(FailureCause.WorkerStopped)]
    [InlineData(FailureCause.Unexpected)]
    public void Faults_of_the_system_are_retried_until_the_last_attempt(FailureCause cause)
    {
        for (var attempt = 1; attempt < RetryPolicy.MaxAttempts; attempt++)
        {
            var decision = RetryPolicy.Decide(cause, attempt);
            Assert.Equal(RetryAction.Retry, decision.Action);
            Assert.Null(decision.Message);
            Assert.Contains(cause.ToString(), decision.Reason, StringComparison.Ordinal);
        }

        var last = RetryPolicy.Decide(cause, RetryPolicy.MaxAttempts);
        Assert.NotEqual(RetryAction.Retry, last.Action);
        Assert.Equal(RetryPolicy.GaveUpMessage(cause, RetryPolicy.MaxAttempts), last.Message);
    }

    [Fact]
    public void Running_out_of_memory_every_time_says_so_and_what_to_do()
    {
        var decision = RetryPolicy.Decide(FailureCause.OutOfMemory, 3);
        Assert.Equal(RetryAction.Fail, decision.Action);
        Assert.Equal(
            "The conversion ran out of memory 3 times; try a smaller file or ask the operator to raise the worker's memory limit.",
            decision.Message);
    }

    [Fact]
    public void Workers_that_died_on_every_attempt_set_the_job_aside()
    {
        var decision = RetryPolicy.Decide(FailureCause.WorkerStopped, 3);
        Assert.Equal(RetryAction.SetAside, decision.Action);
        Assert.Contains("interrupted 3 times", decision.Message, StringComparison.Ordinal);
    }
}
