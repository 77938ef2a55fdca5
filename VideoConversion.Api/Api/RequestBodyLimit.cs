using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace VideoConversion.Api.Api;

/// <summary>
/// The API only ever reads small JSON documents (video bytes go straight to storage), so a body
/// past this limit is refused with 413 while it is read, before any of it is parsed or buffered.
/// </summary>
internal static class RequestBodyLimit
{
    public const long MaxBytes = 64 * 1024;

    public static IServiceCollection AddRequestBodyLimit(this IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxBytes);
}
