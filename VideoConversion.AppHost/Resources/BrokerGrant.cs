using System.Text.RegularExpressions;
using VideoConversion.Contracts.Messaging;

namespace VideoConversion.AppHost.Resources;

/// <summary>A broker user and its permissions on the default virtual host, as RabbitMQ's configure/write/read patterns.</summary>
public sealed partial record BrokerGrant(string UserName, string Configure, string Write, string Read)
{
    /// <summary>Every queue and exchange of the system, and nothing else in the virtual host (not the default exchange).</summary>
    private static readonly string AllNames = Exactly(
        [QueueNames.VideoJobs, QueueNames.VideoJobsDead, QueueNames.VideoJobsDeadLetterExchange, QueueNames.JobReports, QueueNames.JobReportsDead,
         QueueNames.UploadEvents,
         .. QueueNames.Published.Select(QueueNames.ExchangeFor), QueueNames.ExchangeFor(QueueNames.JobCancellations)]);

    /// <summary>The names RabbitMQ gives server-named queues ("amq.gen-…"): a worker's private cancellation queue.</summary>
    private const string PrivateQueues = "amq[.]gen-.*";

    /// <summary>
    /// The API owns the topology: it declares and binds the queues and exchanges (configure, and
    /// write/read for bindings), publishes jobs and dead reports, and consumes reports and dead jobs.
    /// </summary>
    public static readonly BrokerGrant Api = new("videoconversion-api", AllNames, AllNames, AllNames);

    /// <summary>
    /// A worker takes jobs, publishes reports and hears cancellations: it can neither declare, delete nor
    /// bind any queue of the system, nor publish a job. Its one declaration is its private, exclusive queue
    /// (server-named, gone with its connection), bound to the cancellations' fanout. (Reading video_jobs
    /// includes purging it; RabbitMQ's patterns cannot tell the two apart.)
    /// </summary>
    public static readonly BrokerGrant Worker = new(
        "videoconversion-worker",
        $"^({PrivateQueues})$",
        Exactly([QueueNames.ExchangeFor(QueueNames.JobReports)], PrivateQueues),
        Exactly([QueueNames.VideoJobs, QueueNames.ExchangeFor(QueueNames.JobCancellations)], PrivateQueues));

    /// <summary>
    /// Storage announces uploads, as MinIO's AMQP target does: it declares the uploads' entrance exchange before
    /// every publish (configure: a declaration like the API's changes nothing) and publishes to it (write). It can
    /// reach no other exchange or queue, and read nothing.
    /// </summary>
    public static readonly BrokerGrant Storage = new(
        "videoconversion-storage",
        Exactly([QueueNames.ExchangeFor(QueueNames.UploadEvents)]),
        Exactly([QueueNames.ExchangeFor(QueueNames.UploadEvents)]),
        "^$");

    public static BrokerGrant For(string service) => service switch
    {
        ServiceIdentity.Api => Api,
        ServiceIdentity.Worker => Worker,
        ServiceIdentity.Storage => Storage,
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, "No broker grant for this service."),
    };

    /// <summary>
    /// A pattern matching exactly these names. Dots are written "[.]", not "\\.": the pattern then
    /// needs no escaping in JSON or shell, where the Kubernetes deployment writes it too.
    /// </summary>
    /// <param name="patterns">Patterns beside the names, written as they are (<see cref="PrivateQueues"/>).</param>
    private static string Exactly(IEnumerable<string> names, params string[] patterns) =>
        $"^({string.Join('|', names.Select(name => SafeName().IsMatch(name)
            ? name.Replace(".", "[.]", StringComparison.Ordinal)
            : throw new ArgumentException($"'{name}' needs escaping this pattern does not do.", nameof(names))).Concat(patterns))})$";

    [GeneratedRegex("^[a-z_.]+$")]
    private static partial Regex SafeName();
}
