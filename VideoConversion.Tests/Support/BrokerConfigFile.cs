using System.Globalization;

namespace VideoConversion.Tests.Support;

/// <summary>manifests/base/messaging/rabbitmq.conf, where the broker's consumer timeout is declared once for every mode.</summary>
public static class BrokerConfigFile
{
    public static string Path => System.IO.Path.Combine(RepositoryPaths.Root, "manifests", "base", "messaging", "rabbitmq.conf");

    public static TimeSpan ConsumerTimeout => TimeSpan.FromMilliseconds(Value(File.ReadAllText(Path), "consumer_timeout"));

    /// <summary>A numeric setting of a rabbitmq.conf ("key = value" lines).</summary>
    public static double Value(string config, string key) =>
        double.Parse(config.Split('\n').Select(line => line.Trim())
            .Single(line => line.StartsWith(key + " ", StringComparison.Ordinal) || line.StartsWith(key + "=", StringComparison.Ordinal))
            .Split('=', 2)[1].Trim(), CultureInfo.InvariantCulture);
}
