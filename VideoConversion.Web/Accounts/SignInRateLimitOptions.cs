using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Web.Accounts;

/// <summary>How often one browser may try to sign in, from the page's "RateLimits" configuration section.</summary>
public sealed class SignInRateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>
    /// Sign-in attempts a minute from one browser address (an IPv6 one by its /64), over every user name it
    /// tries. Above the API's per-account limit (RateLimits:SignInsPerMinute there, 10), so one person
    /// retrying one account meets the API's message first.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "RateLimits:SignInsPerAddressPerMinute must be between 1 and 10,000.")]
    public int SignInsPerAddressPerMinute { get; set; } = 20;
}
