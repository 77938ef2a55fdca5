using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VideoConversion.Api.Api;

/// <summary>
/// The API only ever reads small JSON documents (video bytes go straight to storage), so a body
/// past this limit is refused with 413 before any of it is read: at once when its Content-Length
/// says so, and by Kestrel while reading a chunked body that grows past it.
/// </summary>
internal static class RequestBodyLimit
{
    public const long MaxBytes = 64 * 1024;

    /// <summary>
    /// An oversized body up to this size is read and dropped before the 413: answering while the
    /// client still sends makes most clients report a broken connection instead of the answer.
    /// </summary>
    private const long DrainLimit = 256 * 1024;

    public static string Detail => $"The request body is larger than the {MaxBytes} bytes the API accepts.";

    public static IServiceCollection AddRequestBodyLimit(this IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxBytes);

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength is > MaxBytes and var length)
            {
                if (length <= DrainLimit && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = DrainLimit;
                    await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                }

                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = "Request body too large", Detail = Detail },
                });
                return;
            }

            await next();
        });
}
