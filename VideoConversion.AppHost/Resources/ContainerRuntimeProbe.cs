namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Asks the container runtime whether it can run containers. A container resource without a
/// working runtime never becomes healthy, and everything that waits for it would hang forever.
/// </summary>
internal static class ContainerRuntimeProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static bool IsAvailable(string runtime) => QuickCommand.Run(runtime, "info", Timeout) is { ExitCode: 0 };
}
