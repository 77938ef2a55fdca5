using Microsoft.Extensions.Hosting;

namespace VideoConversion.Infrastructure.Messaging;

public static class MessagingExtensions
{
    /// <summary>
    /// The RabbitMQ connection named <paramref name="connectionName"/>, with its health check and
    /// metrics. The client's own tracing is off: its consumer spans only link to the sender, which
    /// would split a video's trace in two; <see cref="Telemetry.MessagingActivities"/> parents them instead.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.AddRabbitMQClient(connectionName, settings => settings.DisableTracing = true);
        return builder;
    }
}
