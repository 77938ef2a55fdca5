using System.Buffers.Binary;
using System.Text;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>One span as a service exported it.</summary>
/// <param name="Service">The exporting service's service.name.</param>
/// <param name="Attributes">The span's string and integer attributes, as text.</param>
public sealed record ExportedSpan(
    string Service, string TraceId, string Name, long StartNanoseconds, long EndNanoseconds, IReadOnlyDictionary<string, string> Attributes)
{
    public double Milliseconds => (EndNanoseconds - StartNanoseconds) / 1e6;
}

/// <summary>
/// Reads the spans out of an OTLP ExportTraceServiceRequest in its protobuf encoding (opentelemetry-proto's
/// collector/trace/v1 and trace/v1), only the fields the benchmark's breakdown uses; every other field is skipped.
/// </summary>
public static class OtlpSpans
{
    private const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    /// <exception cref="InvalidDataException">The body is not a protobuf message.</exception>
    public static IReadOnlyList<ExportedSpan> Read(ReadOnlySpan<byte> request)
    {
        List<ExportedSpan> spans = [];
        foreach (var (field, resourceSpans) in LengthDelimitedFields(request))
        {
            if (field != 1)
            {
                continue; // ExportTraceServiceRequest.resource_spans
            }

            // ResourceSpans.resource (1) names the service; it may come before or after the scope_spans (2).
            var fields = LengthDelimitedFields(resourceSpans.Span);
            var service = fields.Where(resource => resource.Field == 1)
                .Select(resource => Attributes(resource.Value.Span, 1).GetValueOrDefault("service.name", "")).LastOrDefault("");
            foreach (var (_, scopeSpans) in fields.Where(scope => scope.Field == 2))
            {
                foreach (var (scopeField, span) in LengthDelimitedFields(scopeSpans.Span))
                {
                    if (scopeField == 2) // ScopeSpans.spans
                    {
                        spans.Add(Span(span.Span, service));
                    }
                }
            }
        }

        return spans;
    }

    private static ExportedSpan Span(ReadOnlySpan<byte> span, string service)
    {
        string traceId = "", name = "";
        long start = 0, end = 0;
        Dictionary<string, string> attributes = [];
        var reader = new ProtobufReader(span);
        while (reader.Next() is { } field)
        {
            switch (field.Number, field.WireType)
            {
                case (1, LengthDelimited): traceId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (5, LengthDelimited): name = Encoding.UTF8.GetString(reader.Bytes()); break;
                case (7, Fixed64): start = (long)reader.Fixed64(); break;
                case (8, Fixed64): end = (long)reader.Fixed64(); break;
                case (9, LengthDelimited):
                    if (KeyValue(reader.Bytes()) is { } attribute)
                    {
                        attributes[attribute.Key] = attribute.Value;
                    }

                    break;
                default: reader.Skip(field.WireType); break;
            }
        }

        return new ExportedSpan(service, traceId, name, start, end, attributes);
    }

    /// <summary>The KeyValue attributes in field <paramref name="number"/> of a message (Resource.attributes is field 1).</summary>
    private static Dictionary<string, string> Attributes(ReadOnlySpan<byte> message, int number)
    {
        Dictionary<string, string> attributes = [];
        foreach (var (field, value) in LengthDelimitedFields(message))
        {
            if (field == number && KeyValue(value.Span) is { } attribute)
            {
                attributes[attribute.Key] = attribute.Value;
            }
        }

        return attributes;
    }

    /// <summary>A KeyValue whose AnyValue is a string (field 1) or an integer (field 3); null for the other kinds.</summary>
    private static KeyValuePair<string, string>? KeyValue(ReadOnlySpan<byte> keyValue)
    {
        string? key = null, value = null;
        var reader = new ProtobufReader(keyValue);
        while (reader.Next() is { } field)
        {
            if (field is { Number: 1, WireType: LengthDelimited })
            {
                key = Encoding.UTF8.GetString(reader.Bytes());
            }
            else if (field is { Number: 2, WireType: LengthDelimited })
            {
                var any = new ProtobufReader(reader.Bytes());
                while (any.Next() is { } kind)
                {
                    switch (kind.Number, kind.WireType)
                    {
                        case (1, LengthDelimited): value = Encoding.UTF8.GetString(any.Bytes()); break;
                        case (3, Varint): value = ((long)any.Varint()).ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                        default: any.Skip(kind.WireType); break;
                    }
                }
            }
            else
            {
                reader.Skip(field.WireType);
            }
        }

        return key is not null && value is not null ? new(key, value) : null;
    }

    private static List<(int Field, ReadOnlyMemory<byte> Value)> LengthDelimitedFields(ReadOnlySpan<byte> message)
    {
        List<(int, ReadOnlyMemory<byte>)> fields = [];
        var reader = new ProtobufReader(message);
        while (reader.Next() is { } field)
        {
            if (field.WireType == LengthDelimited)
            {
                fields.Add((field.Number, reader.Bytes().ToArray()));
            }
            else
            {
                reader.Skip(field.WireType);
            }
        }

        return fields;
    }

    /// <summary>The protobuf wire format (protobuf.dev/programming-guides/encoding): tags, varints, fixed and length-delimited fields.</summary>
    private ref struct ProtobufReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public (int Number, int WireType)? Next()
        {
            if (_at >= _data.Length)
            {
                return null;
            }

            var tag = Varint();
            return ((int)(tag >> 3), (int)(tag & 7));
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Take(1)[0];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new InvalidDataException("a varint longer than 64 bits");
        }

        public ulong Fixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

        public ReadOnlySpan<byte> Bytes()
        {
            var length = Varint();
            return length <= (ulong)(_data.Length - _at)
                ? Take((int)length)
                : throw new InvalidDataException("a protobuf field runs past its message");
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case OtlpSpans.Varint: Varint(); break;
                case OtlpSpans.Fixed64: Take(8); break;
                case LengthDelimited: Bytes(); break;
                case Fixed32: Take(4); break;
                default: throw new InvalidDataException($"protobuf wire type {wireType}");
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _data.Length - _at)
            {
                throw new InvalidDataException("a protobuf field runs past its message");
            }

            var taken = _data.Slice(_at, count);
            _at += count;
            return taken;
        }
    }
}
