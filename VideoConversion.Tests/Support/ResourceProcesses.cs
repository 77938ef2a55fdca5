using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace VideoConversion.Tests.Support;

/// <summary>The operating-system processes behind the AppHost's resources, as DCP started them.</summary>
public static class ResourceProcesses
{
    /// <summary>A resource's process id once it runs.</summary>
    public static async Task<int> ProcessIdAsync(this DistributedApplication app, string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var running = await app.ResourceNotifications.WaitForResourceAsync(resource,
            candidate => candidate.Snapshot.State?.Text == KnownResourceStates.Running && ProcessId(candidate.Snapshot) is not null,
            timeout.Token);
        return ProcessId(running.Snapshot)!.Value;
    }

    /// <summary>The environment the resource's process really got (/proc/pid/environ), not what the model says it should.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(this DistributedApplication app, string resource)
    {
        var pid = await app.ProcessIdAsync(resource);
        return (await File.ReadAllTextAsync($"/proc/{pid}/environ"))
            .Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(variable => variable.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);
    }

    public static int? ProcessId(CustomResourceSnapshot snapshot) =>
        snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value is { } value &&
        int.TryParse(value.ToString(), out var pid)
            ? pid
            : null;
}
