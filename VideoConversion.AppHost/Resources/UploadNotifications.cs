using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Storage announces every upload to the broker, so its job starts the moment it lands: MinIO through its AMQP
/// notification target, the stand-in the same way. Storage publishes as a broker user of its own that may only
/// publish to the uploads' exchange.
/// </summary>
internal static class UploadNotifications
{
    /// <summary>The target's id in MinIO's configuration (MINIO_NOTIFY_AMQP_*_VIDEOCONVERSION) and ARN.</summary>
    public const string MinioTargetId = "VIDEOCONVERSION";

    public const string MinioTargetArn = $"arn:minio:sqs::{MinioTargetId}:amqp";

    public static readonly string Exchange = QueueNames.ExchangeFor(QueueNames.UploadEvents);

    public static void AnnounceUploadsTo(this ObjectStorage storage, MessagingBroker messaging)
    {
        var user = messaging.Users[ServiceIdentity.Storage];
        var server = storage.Server.ApplicationBuilder.CreateResourceBuilder((IResourceWithEnvironment)storage.Server.Resource);
        if (storage.Server.Resource is ObjectStorageExecutableResource { IsStandIn: true })
        {
            // It connects when it first has something to announce.
            server
                .WithEnvironment("S3_NOTIFY_AMQP_URL", user.Resource)
                .WithEnvironment("S3_NOTIFY_AMQP_EXCHANGE", Exchange)
                .WithEnvironment("S3_NOTIFY_AMQP_ROUTING_KEY", QueueNames.UploadEvents)
                .WithEnvironment("S3_NOTIFY_BUCKETS", StorageNames.InputBucket);
        }
        else
        {
            // Each must match the API's declaration of the exchange: MinIO declares it before every publish, and a
            // declaration that differs is refused. No queue directory: it would hold every event up to 3 s (MinIO
            // replays it every 3 s); an event lost while the broker is down is caught by POST /jobs and the sweeper.
            var variable = (string name) => $"MINIO_NOTIFY_AMQP_{name}_{MinioTargetId}";
            server
                .WithEnvironment(variable("ENABLE"), "on")
                .WithEnvironment(variable("URL"), user.Resource)
                .WithEnvironment(variable("EXCHANGE"), Exchange)
                .WithEnvironment(variable("EXCHANGE_TYPE"), "direct")
                .WithEnvironment(variable("ROUTING_KEY"), QueueNames.UploadEvents)
                .WithEnvironment(variable("DURABLE"), "on")
                .WithEnvironment(variable("DELIVERY_MODE"), "2")
                .WithEnvironment(variable("PUBLISHING_CONFIRMS"), "on");
            // MinIO connects to its targets at start.
            if (storage.Server.Resource is IResourceWithWaitSupport waiting)
            {
                server.ApplicationBuilder.CreateResourceBuilder(waiting).WaitFor(messaging.Server);
            }

            if (storage.Setup?.Resource is IResourceWithEnvironment setup)
            {
                storage.Server.ApplicationBuilder.CreateResourceBuilder(setup).WithEnvironment("NOTIFY_ARN", MinioTargetArn);
            }
        }
    }
}
