using System.Diagnostics.Metrics;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.RateLimits;

/// <summary>Requests refused for going too fast, by policy: a caller hitting the limit shows here before anyone complains.</summary>
public sealed class RateLimitMetrics
{
    private readonly Counter<long> _rejections;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(JobMetrics.MeterName);
        _rejections = meter.CreateCounter<long>(
            "videoconversion.rate_limit.rejections", "{request}", "Requests answered 429 because their caller went past its rate limit, by policy.");
    }

    public void Rejected(string policy) => _rejections.Add(1, new KeyValuePair<string, object?>(PolicyTag, policy));

    /// <summary>The rate-limiting policy that refused the request.</summary>
    public const string PolicyTag = "videoconversion.rate_limit.policy";
}
