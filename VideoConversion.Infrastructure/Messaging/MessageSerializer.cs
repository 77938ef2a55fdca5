using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoConversion.Infrastructure.Messaging;

/// <summary>Messages travel as snake_case JSON, the wire format of the seed guide's contract.</summary>
public static class MessageSerializer
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
    };

    public static byte[] Serialize<T>(T message) => JsonSerializer.SerializeToUtf8Bytes(message, Options);

    /// <summary>Reads a message; null when the body is not a valid message of this type.</summary>
    public static T? TryDeserialize<T>(ReadOnlyMemory<byte> body) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
