using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VideoConversion.Api.Jobs;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// An event's body, as Standard Webhooks suggests: <c>{"type", "timestamp", "data"}</c>, with the job as
/// GET /jobs/{id} describes it. A job.done event gets a download link signed when it is sent, so a late
/// delivery does not carry a link that has run out.
/// </summary>
public static class WebhookPayload
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper) },
    };

    public static string Create(string eventType, Job job, DateTimeOffset at) => JsonSerializer.Serialize(new WebhookEvent(
        eventType,
        at,
        new WebhookJobData(
            job.Id, job.Status, job.FileName, job.CreatedAt, job.StartedAt, job.FinishedAt, job.Attempts, job.Error,
            job.InputBytes, job.OutputBytes, job.OutputDurationSeconds, job.ConversionMethod)), Json);

    /// <summary>The recorded body with the output's link added, as it goes out.</summary>
    public static string WithOutputLink(string payload, string url, DateTimeOffset expiresAt)
    {
        var body = JsonNode.Parse(payload)!.AsObject();
        var data = body["data"]!.AsObject();
        data["output_url"] = url;
        data["output_url_expires_at"] = expiresAt;
        return body.ToJsonString();
    }
}
