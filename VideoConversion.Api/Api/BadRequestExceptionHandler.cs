using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace VideoConversion.Api.Api;

/// <summary>
/// Turns a request the framework could not bind (malformed JSON, wrong content type) into a
/// 400 problem that says what was wrong, in every environment.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = "Malformed request",
                Detail = badRequest.InnerException is JsonException json
                    ? $"The request body is not valid JSON: {json.Message}"
                    : badRequest.Message,
            },
        });
    }
}
