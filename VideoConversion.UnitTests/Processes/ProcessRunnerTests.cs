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

    [Fact]
    public async Task A_stopped_process_takes_the_processes_it_started_with_it()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"runner-child-{Guid.NewGuid():N}");
        try
        {
            // The grandchild writes its pid and keeps running; the time limit stops the tree.
            await Assert.ThrowsAsync<TimeoutException>(() =>
                RunAsync($"sleep 300 & echo $! > {pidFile}; wait", TimeSpan.FromSeconds(2), silenceLimit: null));

            var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            // The tree is sent SIGKILL and only the child is waited for: the grandchild dies once the kernel next runs it,
            // which on a busy machine can be after the runner returned (CI saw it alive just after). One that was never
            // sent the signal sleeps on for 300 s, far past this wait.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (IsRunning(grandchild) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.False(IsRunning(grandchild), $"the grandchild {grandchild} outlived the stopped process");
        }
        finally
        {
            File.Delete(pidFile);
        }
    }

    /// <summary>Alive: in the process table and not a zombie (dead, waiting for its new parent to reap it).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false; // reaped
        }
    }

    [Fact]
    public async Task The_child_gets_an_empty_environment_unless_it_is_passed_on_and_overrides_set_and_remove_variables()
    {
        Environment.SetEnvironmentVariable("RUNNER_TEST_SECRET", "not for children");
        Environment.SetEnvironmentVariable("RUNNER_TEST_REMOVED", "removed");
        try
        {
            var isolated = await ProcessRunner.RunAsync("env", [], Path.GetTempPath(), TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.DoesNotContain("RUNNER_TEST_SECRET", isolated.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("LC_ALL=C", isolated.StandardOutput, StringComparison.Ordinal);

            var passedOn = await ProcessRunner.RunAsync("env", [], Path.GetTempPath(), TimeSpan.FromSeconds(30), null, CancellationToken.None,
                inheritEnvironment: true,
                environment: new Dictionary<string, string?> { ["RUNNER_TEST_ADDED"] = "added", ["RUNNER_TEST_REMOVED"] = null });
            var variables = passedOn.StandardOutput.Split('\n');
            Assert.Contains("RUNNER_TEST_SECRET=not for children", variables);
            Assert.Contains("RUNNER_TEST_ADDED=added", variables);
            Assert.DoesNotContain(variables, line => line.StartsWith("RUNNER_TEST_REMOVED=", StringComparison.Ordinal));
        }
        finally
        {
            Environment.SetEnvironmentVariable("RUNNER_TEST_SECRET", null);
            Environment.SetEnvironmentVariable("RUNNER_TEST_REMOVED", null);
        }
    }

    [Fact]
    public async Task Standard_input_reaches_a_program_that_answers_before_it_has_read_it_all()
    {
        // 1 MB out before any of the 1 MB in is read: both pipes fill unless input and output flow at once.
        var input = new string('x', 1024 * 1024) + "\n";
        var result = await ProcessRunner.RunAsync(
            "bash", ["-c", "head -c 1048576 /dev/zero | tr '\\0' y; echo; wc -c"], Path.GetTempPath(), TimeSpan.FromSeconds(30), null,
            CancellationToken.None, standardInput: input);

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith($"{input.Length}\n", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_error_keeps_its_end_by_default_and_all_of_it_when_asked()
    {
        const string Script = "for i in $(seq 1 3000); do echo \"line $i of the log\" >&2; done";
        var tail = await ProcessRunner.RunAsync("bash", ["-c", Script], Path.GetTempPath(), TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var all = await ProcessRunner.RunAsync("bash", ["-c", Script], Path.GetTempPath(), TimeSpan.FromSeconds(30), null, CancellationToken.None,
            standardErrorLimit: int.MaxValue);

        Assert.True(tail.StandardErrorTail.Length <= ProcessRunner.StandardErrorTailLength);
        Assert.Contains("line 3000 of the log", tail.StandardErrorTail, StringComparison.Ordinal);
        Assert.DoesNotContain("line 1 of the log", tail.StandardErrorTail, StringComparison.Ordinal);
        Assert.StartsWith("line 1 of the log", all.StandardErrorTail, StringComparison.Ordinal);
        Assert.Contains("line 3000 of the log", all.StandardErrorTail, StringComparison.Ordinal);
    }
}
