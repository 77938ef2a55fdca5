using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace VideoConversion.Tests.Support;

/// <summary>What the AppHost's notifications last said of each resource, by resource id (each replica has its own).</summary>
public static class ResourceSnapshots
{
    /// <summary>The latest event of every resource.</summary>
    public static async Task<IReadOnlyCollection<ResourceEvent>> CurrentAsync(DistributedApplication app)
    {
        var latest = new Dictionary<string, ResourceEvent>(StringComparer.Ordinal);
        using var seen = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var change in app.ResourceNotifications.WatchAsync(seen.Token))
            {
                latest[change.ResourceId] = change;
            }
        }
        catch (OperationCanceledException)
        {
            // The stream gives every resource's state first, then waits for changes: two seconds hold them all.
        }

        return latest.Values;
    }

    /// <summary>
    /// Each resource that runs (not a parameter or a connection string): its state, health and exit code; or why they could
    /// not be read. It never throws: it goes in the message of a failure that must not be replaced by another.
    /// </summary>
    public static async Task<string> DescribeAsync(DistributedApplication app)
    {
        try
        {
            return string.Join("; ", (await CurrentAsync(app))
                .Where(change => change.Resource is not (ParameterResource or IResourceWithoutLifetime))
                .OrderBy(change => change.ResourceId, StringComparer.Ordinal)
                .Select(change => $"{change.ResourceId} {change.Snapshot.State?.Text ?? "(no state)"}, health {change.Snapshot.HealthStatus?.ToString() ?? "(none)"}" +
                    (change.Snapshot.ExitCode is { } code ? $", exit code {code}" : "")));
        }
        catch (Exception unread)
        {
            return $"not read ({unread.Message})";
        }
    }
}
