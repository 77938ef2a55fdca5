using System.Globalization;
using System.Text.Json;

namespace VideoConversion.Api.Uploads;

/// <summary>
/// One object created in storage, as its notification says: S3's event record, as MinIO's AMQP target publishes it
/// (<c>{"EventName", "Key", "Records": [...]}</c>) or bare (<c>{"Records": [...]}</c>).
/// </summary>
/// <param name="Key">Unescaped (MinIO and S3 query-escape keys in records).</param>
/// <param name="Size">Null when the record states none (MinIO omits a zero size): storage is asked then.</param>
/// <param name="ETag">Without quotes; null when the record states none (some servers leave it out of a copy's event): storage is asked then.</param>
/// <param name="LandedAt">The record's eventTime, storage's clock: of two events of one object, the later one wins.</param>
public sealed record UploadEvent(string Bucket, string Key, long? Size, string? ETag, DateTimeOffset? LandedAt = null)
{
    private const string ObjectCreated = "ObjectCreated:";

    /// <summary>The records of object creation in a notification; null when it is not one (unreadable, or not S3 events).</summary>
    public static IReadOnlyList<UploadEvent>? Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("Records", out var records) || records.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            List<UploadEvent> created = [];
            foreach (var record in records.EnumerateArray())
            {
                if (FromRecord(record) is { } upload)
                {
                    created.Add(upload);
                }
            }

            return created;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static UploadEvent? FromRecord(JsonElement record)
    {
        var name = Text(record, "eventName") ?? "";
        // "s3:ObjectCreated:Put" from MinIO, "ObjectCreated:Put" from S3.
        if (!name.Replace("s3:", "", StringComparison.Ordinal).StartsWith(ObjectCreated, StringComparison.Ordinal) ||
            !record.TryGetProperty("s3", out var s3) ||
            !s3.TryGetProperty("bucket", out var bucket) || Text(bucket, "name") is not { Length: > 0 } bucketName ||
            !s3.TryGetProperty("object", out var item) || Text(item, "key") is not { Length: > 0 } key)
        {
            return null;
        }

        long? size = item.TryGetProperty("size", out var sizeValue) && sizeValue.ValueKind == JsonValueKind.Number ? sizeValue.GetInt64() : null;
        var eTag = Text(item, "eTag")?.Trim('"');
        DateTimeOffset? landedAt = DateTimeOffset.TryParse(
            Text(record, "eventTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
        return new UploadEvent(bucketName, QueryUnescape(key), size, string.IsNullOrEmpty(eTag) ? null : eTag, landedAt);
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Undoes Go's url.QueryEscape (MinIO) and S3's form encoding: '+' is a space.</summary>
    public static string QueryUnescape(string key) => Uri.UnescapeDataString(key.Replace('+', ' '));
}
