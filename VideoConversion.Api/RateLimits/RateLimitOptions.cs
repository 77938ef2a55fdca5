using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.RateLimits;

/// <summary>How fast one caller may call the API, from the "RateLimits" configuration section.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Sustained requests a second per account, over all its API keys and sign-ins.</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimits:RequestsPerSecond must be between 1 and 1,000,000.")]
    public int RequestsPerSecond { get; set; } = 200;

    /// <summary>Requests one account may make at once above the sustained rate (a token bucket of this size).</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimits:Burst must be between 1 and 1,000,000.")]
    public int Burst { get; set; } = 1000;

    /// <summary>Sign-in attempts a minute for one account from one client address (POST /auth/login).</summary>
    [Range(1, 10_000, ErrorMessage = "RateLimits:SignInsPerMinute must be between 1 and 10,000.")]
    public int SignInsPerMinute { get; set; } = 10;
}
