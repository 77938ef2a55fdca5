using Microsoft.AspNetCore.Http.HttpResults;

namespace VideoConversion.Api.Webhooks;

/// <summary>The webhook calls' refusals, as RFC 7807 problems that name them.</summary>
public static class WebhookProblems
{
    public static ProblemHttpResult InvalidUrl(string field, string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Webhook URL not allowed", detail: detail,
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult UnknownEndpoint(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Webhook endpoint not found", detail: $"There is no webhook endpoint '{id}'.");

    public static ProblemHttpResult UnknownDelivery(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Webhook delivery not found", detail: $"There is no webhook delivery '{id}'.");

    public static ProblemHttpResult UnknownApiKey(string id) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Unknown API key",
        detail: $"The account has no API key '{id}'.", extensions: new Dictionary<string, object?> { ["field"] = "api_key_id" });

    public static ProblemHttpResult OtherKey() => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
        detail: "An API key registers endpoints for itself only; leave api_key_id out, or sign in to register one for another key or the whole account.");

    public static ProblemHttpResult TooManyEndpoints(int limit) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Too many webhook endpoints",
        detail: $"An account may register at most {limit} webhook endpoints; remove one first.",
        extensions: new Dictionary<string, object?> { ["limit"] = limit });
}
