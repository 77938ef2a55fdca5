using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Contracts.Telemetry;

namespace VideoConversion.Infrastructure.Telemetry;

/// <summary>
/// Spans for sending and processing queue messages, named and tagged after the OpenTelemetry
/// messaging conventions ("send video_jobs", "process video_jobs"). A processing span is a
/// child of the sending span, not merely linked to it: one video is one trace from the upload
/// request to its outcome, and the dashboard shows it whole.
/// </summary>
public static class MessagingActivities
{
    public const string SourceName = TelemetryNames.Prefix + "Messaging";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts a send span under the current span and writes its
    /// context into <paramref name="properties"/>. Without <paramref name="record"/>, no span is
    /// started and the context goes out flagged "not sampled": the receiver stays in the trace
    /// without recording a span for every progress report of a long conversion.
    /// </summary>
    public static Activity? StartSend(
        string queue, string messageId, int bodySize, BasicProperties properties, bool record = true)
    {
        properties.Headers ??= new Dictionary<string, object?>();
        var activity = record ? Source.StartActivity($"send {queue}", ActivityKind.Producer) : null;
        if (activity is not null)
        {
            Tag(activity, queue, "send", "publish", messageId, bodySize);
            MessageTraceContext.Inject(activity, properties.Headers);
            return activity;
        }

        // No span of our own (not recorded, or nobody listens): the receiver still continues the trace.
        if (Activity.Current?.Context is { } context && context != default)
        {
            var flags = record ? context.TraceFlags : ActivityTraceFlags.None;
            properties.Headers[MessageTraceContext.TraceParentHeader] =
                MessageTraceContext.Format(new ActivityContext(context.TraceId, context.SpanId, flags));
        }

        return null;
    }

    /// <summary>Starts the span that covers handling one delivery, in the sender's trace.</summary>
    public static Activity? StartProcess(string queue, BasicDeliverEventArgs delivery)
    {
        var parent = MessageTraceContext.Extract(delivery.BasicProperties);
        var activity = Source.StartActivity($"process {queue}", ActivityKind.Consumer, parent);
        if (activity is not null)
        {
            Tag(activity, queue, "process", "deliver", delivery.BasicProperties.MessageId, delivery.Body.Length);
        }

        return activity;
    }

    /// <param name="operationType">The convention's kind of operation (send, process).</param>
    /// <param name="operationName">RabbitMQ's own name for it (publish, deliver), as its client library names them.</param>
    private static void Tag(Activity activity, string queue, string operationType, string operationName, string? messageId, int bodySize)
    {
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        activity.SetTag(TelemetryNames.MessagingSystem, "rabbitmq");
        activity.SetTag(TelemetryNames.MessagingDestination, queue);
        activity.SetTag(TelemetryNames.MessagingOperationType, operationType);
        activity.SetTag(TelemetryNames.MessagingOperationName, operationName);
        // Through the default exchange, the routing key is the queue's name.
        activity.SetTag(TelemetryNames.MessagingRoutingKey, queue);
        activity.SetTag(TelemetryNames.MessagingBodySize, bodySize);
        if (!string.IsNullOrEmpty(messageId))
        {
            activity.SetTag(TelemetryNames.MessagingMessageId, messageId);
        }
    }
}
