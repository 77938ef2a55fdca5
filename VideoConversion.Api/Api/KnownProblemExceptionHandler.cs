using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Api.Storage;

namespace VideoConversion.Api.Api;

/// <summary>
/// Names the problem for failures that are not the API's bug: a request the framework could not
/// bind (malformed JSON, wrong content type) is a 400, one too large a 413, storage or a name lookup that does not answer a 503.
/// Anything else stays a plain 500.
/// </summary>
internal sealed class KnownProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, "Request body too large", RequestBodyLimit.Detail),
            BadHttpRequestException { InnerException: JsonException json } badRequest =>
                (badRequest.StatusCode, "Malformed request", $"The request body is not valid JSON: {json.Message}"),
            BadHttpRequestException badRequest => (badRequest.StatusCode, "Malformed request", badRequest.Message),
            StorageUnavailableException unavailable =>
                (StatusCodes.Status503ServiceUnavailable, "Storage unavailable", $"{unavailable.Message} Try again shortly."),
            // Storage said no to a call of ours that the client's request cannot have caused (beginning or listing an upload).
            StorageRefusedException refused =>
                (StatusCodes.Status502BadGateway, "Storage refused", $"Storage refused a request the API made for it ({refused.Code}). Try again shortly."),
            // A URL (webhook_url, input_url) whose name our resolver could not look up: not the caller's fault.
            Infrastructure.Outbound.OutboundLookupFailedException lookup =>
                (StatusCodes.Status503ServiceUnavailable, "Name lookup unavailable", $"{lookup.Message} Try again shortly."),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
