using System.Diagnostics.Metrics;
using VideoConversion.Contracts.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Requests refused for going too fast, by policy, in the API and on the page alike: a caller hitting
/// a limit shows here before anyone complains.
/// </summary>
public sealed class RateLimitMetrics
{
    public const string MeterName = TelemetryNames.Prefix + "RateLimits";

    /// <summary>The rate-limiting policy that refused the request.</summary>
    public const string PolicyTag = "videoconversion.rate_limit.policy";

    private readonly Counter<long> _rejections;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _rejections = meter.CreateCounter<long>(
            "videoconversion.rate_limit.rejections", "{request}", "Requests answered 429 because their caller went past its rate limit, by policy.");
    }

    public void Rejected(string policy) => _rejections.Add(1, new KeyValuePair<string, object?>(PolicyTag, policy));
}
