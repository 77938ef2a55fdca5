namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>
/// Reads the protobuf wire format, enough to decode the OTLP messages the services export:
/// no generated code, the field numbers are those of opentelemetry-proto's .proto files.
/// </summary>
public sealed class ProtobufReader(ReadOnlyMemory<byte> data)
{
    private const int Varint = 0;
    private const int Fixed64 = 1;
    private const int LengthDelimited = 2;
    private const int Fixed32 = 5;

    private int _position;

    public int Field { get; private set; }

    public int WireType { get; private set; }

    public bool Next()
    {
        if (_position >= data.Length)
        {
            return false;
        }

        var tag = ReadVarint();
        Field = (int)(tag >> 3);
        WireType = (int)(tag & 7);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var current = data.Span[_position++];
            value |= (ulong)(current & 0x7F) << shift;
            if ((current & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("A varint is longer than 10 bytes.");
    }

    public ulong ReadFixed64()
    {
        var value = BitConverter.ToUInt64(data.Span.Slice(_position, 8));
        _position += 8;
        return value;
    }

    public ReadOnlyMemory<byte> ReadBytes()
    {
        var length = (int)ReadVarint();
        var bytes = data.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes().Span);

    public ProtobufReader ReadMessage() => new(ReadBytes());

    public void Skip()
    {
        switch (WireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                _position += 8;
                break;
            case LengthDelimited:
                ReadBytes();
                break;
            case Fixed32:
                _position += 4;
                break;
            default:
                throw new InvalidDataException($"Unsupported wire type {WireType}.");
        }
    }
}
