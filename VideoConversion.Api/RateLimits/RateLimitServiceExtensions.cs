using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace VideoConversion.Api.RateLimits;

public static class RateLimitServiceExtensions
{
    /// <summary>
    /// The policy every authenticated endpoint carries: a token bucket per account, shared by all its keys
    /// and its sign-ins, so making more keys does not make more room.
    /// </summary>
    public const string PerCaller = "per-caller";

    /// <summary>
    /// The playback links' policy: players send no credentials, so a token bucket per client address (behind a trusted
    /// proxy, the client's). A player fetches a master and a few media playlists per view: far below it.
    /// </summary>
    public const string PerAddress = "per-address";

    public const int PlaybackRequestsPerSecond = 50;

    public const int PlaybackBurst = 200;

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PerCaller, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                // Runs after authorization, so the caller's account is known.
                var caller = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
                return caller is null
                    ? RateLimitPartition.GetNoLimiter("anonymous")
                    : RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.Burst,
                        TokensPerPeriod = options.RequestsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
            limiter.AddPolicy(PerAddress, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = PlaybackBurst,
                    TokensPerPeriod = PlaybackRequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
        });
        builder.Services.AddSingleton<RateLimitMetrics>();
        builder.Services.AddSingleton<SignInThrottle>();
        return builder;
    }

    /// <summary>429 with Retry-After and a ProblemDetails naming the limit; counted in videoconversion.rate_limit.rejections.</summary>
    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var http = rejected.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName ?? PerCaller;
        http.RequestServices.GetRequiredService<RateLimitMetrics>().Rejected(policy);
        var written = await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = policy == PerAddress
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"One address may fetch {PlaybackRequestsPerSecond} playlists a second, in bursts of up to {PlaybackBurst}. Try again in {seconds} s.")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"One account may make {options.RequestsPerSecond} requests a second, in bursts of up to {options.Burst}. Try again in {seconds} s."),
                Extensions = { ["retry_after_seconds"] = seconds },
            },
        });
        if (!written)
        {
            // The caller accepts no JSON: the status and Retry-After say it all.
            await http.Response.WriteAsync("Too many requests.", cancellationToken);
        }
    }
}
