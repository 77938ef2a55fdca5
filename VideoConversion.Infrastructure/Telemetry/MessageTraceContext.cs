using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;

namespace VideoConversion.Infrastructure.Telemetry;

/// <summary>
/// Carries W3C trace context (traceparent, tracestate) in AMQP message headers, so a job's
/// trace continues across the queue: whoever takes a message up works in its sender's trace.
/// </summary>
public static class MessageTraceContext
{
    public const string TraceParentHeader = "traceparent";

    public static void Inject(Activity activity, IDictionary<string, object?> headers) =>
        DistributedContextPropagator.Current.Inject(activity, headers, static (carrier, name, value) =>
        {
            if (carrier is IDictionary<string, object?> dictionary)
            {
                dictionary[name] = value;
            }
        });

    /// <summary>The sender's context, or default when the message carries none (or a malformed one).</summary>
    public static ActivityContext Extract(IReadOnlyBasicProperties properties)
    {
        if (properties.Headers is not { } headers)
        {
            return default;
        }

        DistributedContextPropagator.Current.ExtractTraceIdAndState(headers, static (carrier, name, out value, out values) =>
        {
            values = null;
            value = carrier is IDictionary<string, object?> dictionary && dictionary.TryGetValue(name, out var raw)
                ? raw switch
                {
                    byte[] bytes => Encoding.UTF8.GetString(bytes),
                    string text => text,
                    _ => null,
                }
                : null;
        }, out var traceParent, out var traceState);

        return ActivityContext.TryParse(traceParent, traceState, out var context) ? context : default;
    }

    /// <summary>The W3C traceparent of <paramref name="context"/>: what the outbox and the job record keep.</summary>
    public static string Format(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";

    /// <summary>A context stored as a traceparent string (the outbox and the job record keep one), or default.</summary>
    public static ActivityContext Parse(string? traceParent) =>
        ActivityContext.TryParse(traceParent, traceState: null, out var context) ? context : default;
}
