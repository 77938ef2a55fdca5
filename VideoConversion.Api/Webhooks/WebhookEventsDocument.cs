using System.Net.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VideoConversion.Api.Webhooks;

/// <summary>
/// Describes the events in the OpenAPI document's "webhooks" section (OpenAPI 3.1): the POST a receiver gets for
/// each, its Standard Webhooks headers and its body, so a receiver can be generated and checked like a client.
/// </summary>
internal sealed class WebhookEventsDocument : IOpenApiDocumentTransformer
{
    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var body = await context.GetOrCreateSchemaAsync(typeof(WebhookEvent), parameterDescription: null, cancellationToken);
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>();
        foreach (var eventType in WebhookEventTypes.All)
        {
            document.Webhooks[eventType] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation>
                {
                    [HttpMethod.Post] = new()
                    {
                        OperationId = eventType,
                        Summary = $"{eventType}: sent to every endpoint of the job's account or key, and to its own webhook_url",
                        Description = "Signed per Standard Webhooks with the endpoint's secret; retried on anything but a 2xx " +
                            "with the same webhook-id, so deduplicate on it.",
                        Parameters =
                        [
                            Header("webhook-id", "The delivery's id: the same on every attempt."),
                            Header("webhook-timestamp", "When this attempt was signed, in Unix seconds."),
                            Header("webhook-signature", "v1,<base64 HMAC-SHA256 of id.timestamp.body> with the endpoint's secret."),
                        ],
                        RequestBody = new OpenApiRequestBody
                        {
                            Required = true,
                            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = body } },
                        },
                        Responses = new OpenApiResponses
                        {
                            ["2XX"] = new OpenApiResponse { Description = "Received; any other answer (or none within Webhooks:Timeout) is tried again." },
                        },
                    },
                },
            };
        }
    }

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Required = true,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
