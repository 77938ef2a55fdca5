using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>
/// Decodes OTLP/HTTP protobuf export requests (ExportTraceServiceRequest, ExportLogsServiceRequest),
/// with the types compiled from the vendored opentelemetry-proto files, into the few fields the tests look at.
/// </summary>
public static class OtlpDecoder
{
    public static IEnumerable<ExportedSpan> Spans(ReadOnlyMemory<byte> request) =>
        from resourceSpans in ExportTraceServiceRequest.Parser.ParseFrom(request.Span).ResourceSpans
        let service = ServiceName(resourceSpans.Resource)
        from scopeSpans in resourceSpans.ScopeSpans
        from span in scopeSpans.Spans
        select new ExportedSpan(
            service,
            Hex(span.TraceId),
            Hex(span.SpanId),
            Hex(span.ParentSpanId),
            span.Name,
            Attributes(span.Attributes),
            span.Links.Select(link => Hex(link.TraceId)).ToList(),
            DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100)));

    /// <summary>A log record's category is its instrumentation scope's name.</summary>
    public static IEnumerable<ExportedLog> Logs(ReadOnlyMemory<byte> request) =>
        from resourceLogs in ExportLogsServiceRequest.Parser.ParseFrom(request.Span).ResourceLogs
        let service = ServiceName(resourceLogs.Resource)
        from scopeLogs in resourceLogs.ScopeLogs
        from record in scopeLogs.LogRecords
        select new ExportedLog(service, Hex(record.TraceId), scopeLogs.Scope?.Name ?? "", Text(record.Body), Attributes(record.Attributes));

    private static string ServiceName(Resource? resource) =>
        resource is null ? "" : Attributes(resource.Attributes).GetValueOrDefault("service.name", "");

    /// <summary>Repeated keys (nested log scopes) keep the first value.</summary>
    private static Dictionary<string, string> Attributes(RepeatedField<KeyValue> keyValues)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in keyValues)
        {
            attributes.TryAdd(keyValue.Key, Text(keyValue.Value));
        }

        return attributes;
    }

    /// <summary>Strings, booleans and numbers as text; other kinds are not needed here.</summary>
    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        _ => "",
    };

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
