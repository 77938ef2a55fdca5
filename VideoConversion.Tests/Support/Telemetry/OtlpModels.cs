namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>A span as a service exported it over OTLP.</summary>
public sealed record ExportedSpan(
    string Service,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<string> LinkedTraceIds,
    DateTimeOffset Start)
{
    public string? Attribute(string name) => Attributes.GetValueOrDefault(name);

    public override string ToString() => $"{Service}: {Name} (trace {TraceId}, parent {ParentSpanId})";
}

/// <summary>A log record as a service exported it over OTLP.</summary>
public sealed record ExportedLog(
    string Service,
    string TraceId,
    string Category,
    string Body,
    IReadOnlyDictionary<string, string> Attributes)
{
    public override string ToString() => $"{Service} [{Category}] {Body}";
}
