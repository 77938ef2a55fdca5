using System.Globalization;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// manifests/base/messaging/rabbitmq.conf: the one place the broker's consumer timeout is declared.
/// The cluster mounts that file; the AppHost gives the broker it runs the same value, and the tests
/// read it here (the unit tests compile this file in, as they do not reference the AppHost).
/// </summary>
public static class BrokerConfiguration
{
    private const string ConsumerTimeoutKey = "consumer_timeout";

    public static string FilePath(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "manifests", "base", "messaging", "rabbitmq.conf");

    /// <summary>How long a delivery may stay unacknowledged before the broker takes it back.</summary>
    public static TimeSpan ConsumerTimeout(string repositoryRoot) =>
        ConsumerTimeout(File.ReadLines(FilePath(repositoryRoot)), FilePath(repositoryRoot));

    /// <summary>The consumer timeout in a rabbitmq.conf's "key = value" lines; <paramref name="source"/> names them in errors.</summary>
    public static TimeSpan ConsumerTimeout(IEnumerable<string> lines, string source)
    {
        var value = lines
            .Select(line => line.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair is [ConsumerTimeoutKey, _])
            .Select(pair => pair[1])
            .SingleOrDefault();
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds > 0
            ? TimeSpan.FromMilliseconds(milliseconds)
            : throw new InvalidOperationException($"{source} must set {ConsumerTimeoutKey} to a number of milliseconds.");
    }
}
