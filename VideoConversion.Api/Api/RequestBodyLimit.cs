using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VideoConversion.Api.Api;

/// <summary>
/// The API only ever reads small JSON documents (video bytes go straight to storage), so a body
/// past this limit is refused with 413 before any of it is read: at once when its Content-Length
/// says so, and by Kestrel while reading a chunked body that grows past it. The one larger document
/// is a multipart upload's completion, which names up to 10,000 parts and their ETags.
/// </summary>
internal static class RequestBodyLimit
{
    public const long MaxBytes = 64 * 1024;

    /// <summary>10,000 parts as {"part_number":10000,"etag":"\"…32 hex…\""}, about 60 bytes each, with room to spare.</summary>
    public const long MaxCompletionBytes = 1024 * 1024;

    /// <summary>
    /// An oversized body up to this size is read and dropped before the 413: answering while the
    /// client still sends makes most clients report a broken connection instead of the answer.
    /// </summary>
    private const long DrainLimit = 256 * 1024;

    public static string Detail => DetailFor(MaxBytes);

    private static string DetailFor(long limit) => $"The request body is larger than the {limit} bytes the API accepts.";

    /// <summary>POST /uploads/{job_id}/complete; any other request keeps the small limit.</summary>
    private static long LimitFor(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments("/uploads", out var rest) &&
        rest.Value is { } tail && tail.Count(character => character == '/') == 2 && tail.EndsWith("/complete", StringComparison.Ordinal)
            ? MaxCompletionBytes
            : MaxBytes;

    public static IServiceCollection AddRequestBodyLimit(this IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxBytes);

    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var allowed = LimitFor(context.Request);
            var sizeLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (context.Request.ContentLength is { } length && length > allowed)
            {
                if (length <= Math.Max(DrainLimit, allowed) && sizeLimit is { IsReadOnly: false })
                {
                    sizeLimit.MaxRequestBodySize = Math.Max(DrainLimit, allowed);
                    await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
                }

                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = "Request body too large", Detail = DetailFor(allowed) },
                });
                return;
            }

            if (allowed > MaxBytes && sizeLimit is { IsReadOnly: false })
            {
                sizeLimit.MaxRequestBodySize = allowed;
            }

            await next();
        });
}
