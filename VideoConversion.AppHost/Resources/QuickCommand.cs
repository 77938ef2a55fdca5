using System.ComponentModel;
using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>A short command-line question to a program on the host (its version, "info"), with a time limit.</summary>
internal static class QuickCommand
{
    /// <returns>The exit code and standard output; null when the program is missing or does not answer in time.</returns>
    public static (int ExitCode, string Output)? Run(string fileName, string argument, TimeSpan timeout)
    {
        try
        {
            // Synchronous: the AppHost asks these questions while it builds its model, before anything runs.
            var result = ProcessRunner.RunAsync(
                    fileName, [argument], Environment.CurrentDirectory, timeout, onOutputLine: null, CancellationToken.None,
                    inheritEnvironment: true) // a container runtime needs HOME, DOCKER_HOST and the like
                .GetAwaiter().GetResult();
            return (result.ExitCode, result.StandardOutput);
        }
        catch (Exception exception) when (exception is Win32Exception or TimeoutException)
        {
            return null; // not installed, or no answer in time
        }
    }
}
