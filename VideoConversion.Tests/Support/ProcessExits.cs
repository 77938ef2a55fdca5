using System.Diagnostics;

namespace VideoConversion.Tests.Support;

public static class ProcessExits
{
    /// <summary>Waits for the process to exit; past <paramref name="timeout"/> it is killed with its children, and the wait fails.</summary>
    public static async Task WaitOrKillAsync(this Process process, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} did not finish within {timeout}.");
        }
    }
}
