using System.Diagnostics;
using VideoConversion.LoadTest.Processes;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class LocalWorkersTests
{
    [Fact]
    public async Task A_workers_child_that_has_not_yet_run_its_program_is_not_counted_as_a_worker()
    {
        // A "worker" whose child keeps its command line, as a forked child has it until it runs another program: bash runs
        // a parenthesized list of two commands in a forked copy of itself, which runs `sleep` below it.
        var directory = Directory.CreateTempSubdirectory("local-workers-");
        var executable = Path.Combine(directory.FullName, "VideoConversion.Worker");
        File.CreateSymbolicLink(executable, "/bin/bash");
        using var worker = Process.Start(new ProcessStartInfo(executable) { ArgumentList = { "-c", "(sleep 60; true) & wait" } })!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await CommandLinesAsync(executable) < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "The worker's forked child never appeared.");
                await Task.Delay(50);
            }

            var found = await LocalWorkers.FindAsync(CancellationToken.None, executable);

            Assert.Equal([worker.Id], found);
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            await worker.WaitForExitAsync();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>How many processes have the executable's command line, the worker and its forked child alike.</summary>
    private static async Task<int> CommandLinesAsync(string executable)
    {
        var (_, output, _) = await ProcessTools.RunAsync("pgrep", ["-f", System.Text.RegularExpressions.Regex.Escape(executable) + "( |$)"], CancellationToken.None);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }
}
