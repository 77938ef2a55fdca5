using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;
using Microsoft.Extensions.Options;

namespace VideoConversion.Api.RateLimits;

/// <summary>
/// Sign-in attempts at POST /auth/login, limited per client address and user name: guessing one
/// account's password is slowed to <see cref="RateLimitOptions.SignInsPerMinute"/> a minute from any
/// one address (and Identity locks the account after repeated failures), while the page, whose
/// sign-ins all come from its own address, is not slowed for everyone by one person's typos.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SignInThrottle(IOptions<RateLimitOptions> options) =>
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = options.Value.SignInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    /// <summary>The endpoint filter on /auth/login: a 429 with Retry-After once a caller has tried too often.</summary>
    public static async ValueTask<object?> FilterAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (context.Arguments.OfType<LoginRequest>().FirstOrDefault() is not { Email: { } userName })
        {
            return await next(context);
        }

        var address = ClientAddress.PartitionKey(http.Connection.RemoteIpAddress);
        var throttle = http.RequestServices.GetRequiredService<SignInThrottle>();
        // The name as Identity looks it up, so spellings of one account share one count.
        var account = http.RequestServices.GetRequiredService<ILookupNormalizer>().NormalizeName(userName.Trim());
        using var lease = throttle._limiter.AttemptAcquire($"{address}|{account}");
        if (lease.IsAcquired)
        {
            return await next(context);
        }

        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.RequestServices.GetRequiredService<RateLimitMetrics>().Rejected(Policy);
        var limit = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.SignInsPerMinute;
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts",
            detail: string.Create(CultureInfo.InvariantCulture,
                $"At most {limit} sign-ins a minute for one account from one address. Try again in {seconds} s."));
    }

    /// <summary>The policy name in videoconversion.rate_limit.rejections.</summary>
    public const string Policy = "sign-in";

    public void Dispose() => _limiter.Dispose();
}
