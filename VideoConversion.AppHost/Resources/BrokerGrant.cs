using System.Text.RegularExpressions;
using VideoConversion.Contracts.Messaging;

namespace VideoConversion.AppHost.Resources;

/// <summary>A broker user and its permissions on the default virtual host, as RabbitMQ's configure/write/read patterns.</summary>
public sealed partial record BrokerGrant(string UserName, string Configure, string Write, string Read)
{
    /// <summary>Every queue and exchange of the system, and nothing else in the virtual host (not the default exchange).</summary>
    private static readonly string AllNames = Exactly(
        [QueueNames.VideoJobs, QueueNames.VideoJobsDead, QueueNames.VideoJobsDeadLetterExchange, QueueNames.JobReports, QueueNames.JobReportsDead,
         .. QueueNames.Published.Select(QueueNames.ExchangeFor)]);

    /// <summary>
    /// The API owns the topology: it declares and binds the queues and exchanges (configure, and
    /// write/read for bindings), publishes jobs and dead reports, and consumes reports and dead jobs.
    /// </summary>
    public static readonly BrokerGrant Api = new("videoconversion-api", AllNames, AllNames, AllNames);

    /// <summary>
    /// A worker takes jobs and publishes reports: it can neither declare, delete, bind nor publish a
    /// job. (Reading video_jobs includes purging it; RabbitMQ's patterns cannot tell the two apart.)
    /// </summary>
    public static readonly BrokerGrant Worker = new(
        "videoconversion-worker", "^$", Exactly([QueueNames.ExchangeFor(QueueNames.JobReports)]), Exactly([QueueNames.VideoJobs]));

    public static BrokerGrant For(string service) => service switch
    {
        ServiceIdentity.Api => Api,
        ServiceIdentity.Worker => Worker,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "No broker grant for this service."),
    };

    /// <summary>
    /// A pattern matching exactly these names. Dots are written "[.]", not "\\.": the pattern then
    /// needs no escaping in JSON or shell, where the Kubernetes deployment writes it too.
    /// </summary>
    private static string Exactly(IEnumerable<string> names) =>
        $"^({string.Join('|', names.Select(name => SafeName().IsMatch(name)
            ? name.Replace(".", "[.]", StringComparison.Ordinal)
            : throw new ArgumentException($"'{name}' needs escaping this pattern does not do.", nameof(names))))})$";

    [GeneratedRegex("^[a-z_.]+$")]
    private static partial Regex SafeName();
}
