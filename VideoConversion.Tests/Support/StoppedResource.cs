using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A resource that serves something (it has endpoints: the broker, storage, a service) and stopped while the system
/// started, with its last output. Without it the fixture waited its whole start timeout for a broker that had exited in
/// its first second, and said only "Finished, exit code 0": rabbitmq-server's wrapper script exits 0 whatever ended the
/// Erlang VM under it.
/// </summary>
public sealed record StoppedResource(string ResourceId, string State, int? ExitCode, IReadOnlyList<string> LastOutput)
{
    /// <summary>Lines of the resource's output kept for the failure's message.</summary>
    public const int OutputLines = 40;

    /// <summary>
    /// The first resource with endpoints that reaches <see cref="KnownResourceStates.Finished"/>, <see cref="KnownResourceStates.Exited"/>
    /// or <see cref="KnownResourceStates.FailedToStart"/>; it runs until then, or until <paramref name="cancellationToken"/> is canceled.
    /// </summary>
    public static async Task<StoppedResource> FirstAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        await foreach (var change in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (HasStopped(change))
            {
                return new StoppedResource(
                    change.ResourceId, change.Snapshot.State!.Text, change.Snapshot.ExitCode, await LastOutputAsync(app, change.ResourceId));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new InvalidOperationException("The AppHost's resource notifications ended while the system started.");
    }

    /// <summary>Whether <paramref name="change"/> says a resource that serves endpoints is no longer running.</summary>
    public static bool HasStopped(ResourceEvent change) =>
        change.Resource.Annotations.OfType<EndpointAnnotation>().Any() &&
        change.Snapshot.State?.Text is { } state &&
        (state == KnownResourceStates.Finished || state == KnownResourceStates.Exited || state == KnownResourceStates.FailedToStart);

    /// <summary>Which resource stopped, and how.</summary>
    public string Summary => $"{ResourceId} stopped ({State}{(ExitCode is { } code ? $", exit code {code}" : "")}) before the system was up.";

    /// <summary>Its last lines of output, for the end of a message.</summary>
    public string Output => LastOutput.Count == 0
        ? "It wrote no output."
        : $"Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, LastOutput)}";

    /// <summary>The resource's last lines of output (stdout and stderr), as the AppHost kept them; never throws.</summary>
    private static async Task<IReadOnlyList<string>> LastOutputAsync(DistributedApplication app, string resourceId)
    {
        var lines = new Queue<string>();
        try
        {
            // A process's last lines may reach the AppHost just after its state: give them a moment.
            await Task.Delay(TimeSpan.FromSeconds(1));
            using var reading = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var logs = app.Services.GetRequiredService<ResourceLoggerService>();
            await foreach (var batch in logs.GetAllAsync(resourceId).WithCancellation(reading.Token))
            {
                foreach (var line in batch)
                {
                    lines.Enqueue(line.Content);
                    if (lines.Count > OutputLines)
                    {
                        lines.Dequeue();
                    }
                }
            }
        }
        catch (Exception unread)
        {
            lines.Enqueue($"(its output could not be read: {unread.Message})");
        }

        return [.. lines];
    }
}
