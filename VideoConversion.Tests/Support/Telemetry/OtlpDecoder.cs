using System.Globalization;

namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>
/// Decodes OTLP/HTTP protobuf export requests (ExportTraceServiceRequest, ExportLogsServiceRequest)
/// into the few fields the tests look at. Field numbers from opentelemetry-proto v1.
/// </summary>
public static class OtlpDecoder
{
    public static IEnumerable<ExportedSpan> Spans(ReadOnlyMemory<byte> request)
    {
        var root = new ProtobufReader(request);
        while (root.Next())
        {
            if (root.Field != 1)
            {
                root.Skip();
                continue;
            }

            // ResourceSpans: 1 resource, 2 scope_spans
            var resourceSpans = root.ReadMessage();
            var service = "";
            var spans = new List<ProtobufReader>();
            while (resourceSpans.Next())
            {
                if (resourceSpans.Field == 1)
                {
                    service = ServiceName(resourceSpans.ReadMessage());
                }
                else if (resourceSpans.Field == 2)
                {
                    // ScopeSpans: 1 scope, 2 spans
                    var scopeSpans = resourceSpans.ReadMessage();
                    while (scopeSpans.Next())
                    {
                        if (scopeSpans.Field == 2)
                        {
                            spans.Add(scopeSpans.ReadMessage());
                        }
                        else
                        {
                            scopeSpans.Skip();
                        }
                    }
                }
                else
                {
                    resourceSpans.Skip();
                }
            }

            foreach (var span in spans)
            {
                yield return Span(service, span);
            }
        }
    }

    public static IEnumerable<ExportedLog> Logs(ReadOnlyMemory<byte> request)
    {
        var root = new ProtobufReader(request);
        while (root.Next())
        {
            if (root.Field != 1)
            {
                root.Skip();
                continue;
            }

            // ResourceLogs: 1 resource, 2 scope_logs
            var resourceLogs = root.ReadMessage();
            var service = "";
            var records = new List<(string Category, ProtobufReader Record)>();
            while (resourceLogs.Next())
            {
                if (resourceLogs.Field == 1)
                {
                    service = ServiceName(resourceLogs.ReadMessage());
                }
                else if (resourceLogs.Field == 2)
                {
                    // ScopeLogs: 1 scope (its name is the logger's category), 2 log_records
                    var scopeLogs = resourceLogs.ReadMessage();
                    var category = "";
                    var scopeRecords = new List<ProtobufReader>();
                    while (scopeLogs.Next())
                    {
                        switch (scopeLogs.Field)
                        {
                            case 1:
                                category = ScopeName(scopeLogs.ReadMessage());
                                break;
                            case 2:
                                scopeRecords.Add(scopeLogs.ReadMessage());
                                break;
                            default:
                                scopeLogs.Skip();
                                break;
                        }
                    }

                    records.AddRange(scopeRecords.Select(record => (category, record)));
                }
                else
                {
                    resourceLogs.Skip();
                }
            }

            foreach (var (category, record) in records)
            {
                yield return Log(service, category, record);
            }
        }
    }

    private static ExportedSpan Span(string service, ProtobufReader span)
    {
        string traceId = "", spanId = "", parentId = "", name = "";
        var attributes = new Dictionary<string, string>();
        var links = new List<string>();
        while (span.Next())
        {
            switch (span.Field)
            {
                case 1: traceId = Hex(span.ReadBytes()); break;
                case 2: spanId = Hex(span.ReadBytes()); break;
                case 4: parentId = Hex(span.ReadBytes()); break;
                case 5: name = span.ReadString(); break;
                case 9: AddAttribute(attributes, span.ReadMessage()); break;
                case 13: links.Add(LinkTraceId(span.ReadMessage())); break;
                default: span.Skip(); break;
            }
        }

        return new ExportedSpan(service, traceId, spanId, parentId, name, attributes, links);
    }

    private static ExportedLog Log(string service, string category, ProtobufReader record)
    {
        string traceId = "", body = "";
        var attributes = new Dictionary<string, string>();
        while (record.Next())
        {
            switch (record.Field)
            {
                case 5: body = AnyValue(record.ReadMessage()); break;
                case 6: AddAttribute(attributes, record.ReadMessage()); break;
                case 9: traceId = Hex(record.ReadBytes()); break;
                default: record.Skip(); break;
            }
        }

        return new ExportedLog(service, traceId, category, body, attributes);
    }

    private static string LinkTraceId(ProtobufReader link)
    {
        while (link.Next())
        {
            if (link.Field == 1)
            {
                return Hex(link.ReadBytes());
            }

            link.Skip();
        }

        return "";
    }

    /// <summary>Resource: 1 attributes; the service is its "service.name".</summary>
    private static string ServiceName(ProtobufReader resource)
    {
        var attributes = new Dictionary<string, string>();
        while (resource.Next())
        {
            if (resource.Field == 1)
            {
                AddAttribute(attributes, resource.ReadMessage());
            }
            else
            {
                resource.Skip();
            }
        }

        return attributes.GetValueOrDefault("service.name", "");
    }

    /// <summary>InstrumentationScope: 1 name.</summary>
    private static string ScopeName(ProtobufReader scope)
    {
        while (scope.Next())
        {
            if (scope.Field == 1)
            {
                return scope.ReadString();
            }

            scope.Skip();
        }

        return "";
    }

    /// <summary>KeyValue: 1 key, 2 value. Repeated keys (nested log scopes) keep the first value.</summary>
    private static void AddAttribute(Dictionary<string, string> attributes, ProtobufReader keyValue)
    {
        string key = "", value = "";
        while (keyValue.Next())
        {
            switch (keyValue.Field)
            {
                case 1: key = keyValue.ReadString(); break;
                case 2: value = AnyValue(keyValue.ReadMessage()); break;
                default: keyValue.Skip(); break;
            }
        }

        attributes.TryAdd(key, value);
    }

    /// <summary>AnyValue: 1 string, 2 bool, 3 int64, 4 double; other kinds are not needed here.</summary>
    private static string AnyValue(ProtobufReader value)
    {
        var text = "";
        while (value.Next())
        {
            switch (value.Field)
            {
                case 1: text = value.ReadString(); break;
                case 2: text = value.ReadVarint() != 0 ? "true" : "false"; break;
                case 3: text = ((long)value.ReadVarint()).ToString(CultureInfo.InvariantCulture); break;
                case 4: text = BitConverter.UInt64BitsToDouble(value.ReadFixed64()).ToString(CultureInfo.InvariantCulture); break;
                default: value.Skip(); break;
            }
        }

        return text;
    }

    private static string Hex(ReadOnlyMemory<byte> bytes) => Convert.ToHexStringLower(bytes.Span);
}
