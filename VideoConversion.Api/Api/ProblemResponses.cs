using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VideoConversion.Api.Api;

/// <summary>
/// Says in the OpenAPI document what every operation answers when it refuses: RFC 7807 problem details
/// (application/problem+json), so generated clients read the title and detail instead of guessing.
/// </summary>
internal sealed class ProblemResponses : IOpenApiOperationTransformer
{
    private const string Description =
        "Refused: RFC 7807 problem details whose title and detail name the problem (and `field`, for a bad field). " +
        "400 bad input, 401 no valid credential, 403 not permitted, 404 unknown (or not yours), 409 not in a state that allows it, " +
        "413 too large or over the storage quota, 429 a rate limit or the active-jobs quota (with Retry-After for rate limits), " +
        "503 a dependency not answering (try again).";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        operation.Responses ??= new OpenApiResponses();
        if (operation.Responses.ContainsKey("default"))
        {
            return;
        }

        var schema = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), parameterDescription: null, cancellationToken);
        operation.Responses["default"] = new OpenApiResponse
        {
            Description = Description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = schema } },
        };
    }
}
