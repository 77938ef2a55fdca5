using VideoConversion.Processes;

namespace VideoConversion.UnitTests.Processes;

/// <summary>Real child processes: hangs and overruns are caught and the process is killed.</summary>
public class ProcessRunnerTests
{
    private static Task<ProcessResult> RunAsync(string script, TimeSpan timeout, TimeSpan? silenceLimit) =>
        ProcessRunner.RunAsync("bash", ["-c", script], Path.GetTempPath(), timeout, _ => Task.CompletedTask, CancellationToken.None, silenceLimit);

    [Fact]
    public async Task A_process_that_falls_silent_is_stopped_as_stalled()
    {
        var stalled = await Assert.ThrowsAsync<ProcessStalledException>(() =>
            RunAsync("echo started; sleep 30", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1)));
        Assert.Contains("made no progress", stalled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_keeps_reporting_is_not_stalled_however_long_it_runs()
    {
        var result = await RunAsync("for i in 1 2 3 4 5 6; do echo $i; sleep 0.5; done", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(2));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_process_past_its_time_limit_is_stopped()
    {
        await Assert.ThrowsAsync<TimeoutException>(() => RunAsync("while true; do echo tick; sleep 0.2; done", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)));
    }
}
