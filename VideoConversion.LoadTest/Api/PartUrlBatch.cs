using System.Text.Json.Serialization;

namespace VideoConversion.LoadTest.Api;

/// <summary>POST /uploads/{job_id}/parts's answer: a URL to PUT each part asked for, all valid until <see cref="ExpiresAt"/>.</summary>
public sealed record PartUrlBatch(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("part_size")] long PartSize,
    [property: JsonPropertyName("part_count")] int PartCount,
    [property: JsonPropertyName("parts")] IReadOnlyList<PartUrl> Parts,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt);

/// <param name="Url">PUT the part's bytes here; storage answers with its ETag, which completing the upload names.</param>
public sealed record PartUrl(
    [property: JsonPropertyName("part_number")] int PartNumber,
    [property: JsonPropertyName("url")] string Url);
