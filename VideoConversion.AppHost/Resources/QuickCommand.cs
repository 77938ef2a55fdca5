using System.Diagnostics;

namespace VideoConversion.AppHost.Resources;

/// <summary>A short command-line question to a program on the host (its version, "info"), with a time limit.</summary>
internal static class QuickCommand
{
    /// <returns>The exit code and standard output; null when the program is missing or does not answer in time.</returns>
    public static (int ExitCode, string Output)? Run(string fileName, string argument, TimeSpan timeout)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(fileName, argument)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            // Drain both pipes so a chatty program cannot block on a full buffer.
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            return (process.ExitCode, output.GetAwaiter().GetResult());
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
