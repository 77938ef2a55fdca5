using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace VideoConversion.Web.Accounts;

/// <summary>
/// Sign-in attempts through the page, limited per browser address with ASP.NET Core's rate limiter. The
/// API limits attempts per account and client address too, but every sign-in through the page reaches it
/// from the page's own address: only the page sees the browser's (a proxy's X-Forwarded-For counts only
/// from ForwardedHeaders:TrustedNetworks). Rejections are counted in videoconversion.rate_limit.rejections.
/// </summary>
public static class SignInRateLimit
{
    /// <summary>The policy, and its name in videoconversion.rate_limit.rejections.</summary>
    public const string Policy = "sign-in-per-address";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services)
    {
        services.AddOptions<SignInRateLimitOptions>()
            .BindConfiguration(SignInRateLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<RateLimitMetrics>();
        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(Policy, Partition);
            options.OnRejected = (context, cancellationToken) => RejectAsync(context.HttpContext, context.Lease, cancellationToken);
        });
    }

    /// <summary>Only the form's posts count: showing the page again costs nothing.</summary>
    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var limit = context.RequestServices.GetRequiredService<IOptions<SignInRateLimitOptions>>().Value.SignInsPerAddressPerMinute;
        return RateLimitPartition.GetFixedWindowLimiter(ClientAddress.PartitionKey(context.Connection.RemoteIpAddress), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(HttpContext context, RateLimitLease lease, CancellationToken cancellationToken)
    {
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.RequestServices.GetRequiredService<RateLimitMetrics>().Rejected(Policy);
        context.Response.ContentType = "text/html; charset=utf-8";
        // A page of its own, not the form: nothing of the attempt (not even the user name) is echoed back;
        // the way back keeps where the person was going (the form checks that it is a page of this site).
        var back = WebUtility.HtmlEncode(SessionExtensions.SignInPath + context.Request.QueryString);
        await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Too many sign-in attempts · VideoConversion</title></head>
            <body><h1>Too many sign-in attempts</h1>
            <p role="alert">Too many sign-in attempts came from your address. Try again in {seconds} seconds.</p>
            <p><a href="{back}">Back to sign-in</a></p></body></html>
            """), cancellationToken);
    }
}
