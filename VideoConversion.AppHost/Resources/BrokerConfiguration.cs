using System.Globalization;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// manifests/base/messaging/rabbitmq.conf: the one place the broker's consumer timeout is declared.
/// The cluster mounts that file; the AppHost gives the broker it runs the same value.
/// </summary>
internal static class BrokerConfiguration
{
    private const string ConsumerTimeoutKey = "consumer_timeout";

    public static string FilePath(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "manifests", "base", "messaging", "rabbitmq.conf");

    /// <summary>How long (ms) a delivery may stay unacknowledged before the broker takes it back.</summary>
    public static long ConsumerTimeoutMilliseconds(string repositoryRoot)
    {
        var file = FilePath(repositoryRoot);
        var value = File.ReadLines(file)
            .Select(line => line.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair is [ConsumerTimeoutKey, _])
            .Select(pair => pair[1])
            .SingleOrDefault();
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds > 0
            ? milliseconds
            : throw new InvalidOperationException($"{file} must set {ConsumerTimeoutKey} to a number of milliseconds.");
    }
}
