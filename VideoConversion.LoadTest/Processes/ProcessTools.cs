using System.ComponentModel;
using VideoConversion.Processes;

namespace VideoConversion.LoadTest.Processes;

/// <summary>
/// Runs other programs (kubectl, tc, pgrep, FFmpeg, the worker) through the system's one process
/// runner, with the load tool's environment and a default time limit, and reads their answer.
/// </summary>
public static class ProcessTools
{
    private static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(2);

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string tool, IEnumerable<string> arguments, CancellationToken cancellationToken, TimeSpan? timeLimit = null)
    {
        try
        {
            // Our own tools and the operator's (kubectl reads KUBECONFIG and HOME): they get this environment.
            var result = await ProcessRunner.RunAsync(
                tool, arguments, Environment.CurrentDirectory, timeLimit ?? DefaultTimeLimit, onOutputLine: null, cancellationToken,
                inheritEnvironment: true, standardErrorLimit: int.MaxValue);
            return (result.ExitCode, result.StandardOutput, result.StandardErrorTail);
        }
        catch (Win32Exception)
        {
            throw new LoadTestException($"{tool} is not installed here.");
        }
        catch (TimeoutException exception)
        {
            throw new LoadTestException(exception.Message);
        }
    }
}
