using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;
using VideoConversion.Contracts.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How many tag combinations each metric keeps. OpenTelemetry allocates a metric's points up front, for its whole
/// cardinality limit (2,000 by default, about 170 KB), once per reader: with Prometheus and OTLP both reading, the API's
/// ~80 instruments held 27 MB of points it never used, an eighth of its idle memory. The meters named here have tags with
/// a few known values (outcomes, generations, policies, schemes, the API's own routes), tens of combinations at most, so
/// they keep <see cref="Known"/>. Every other meter keeps the default, above all HttpClient's and DNS's, whose tags name
/// the hosts called (webhook receivers are the users'), ASP.NET Core's request durations (route × method × status), and
/// Kestrel's connections (local address × port × protocol × TLS version × how each ended).
/// A metric past its limit is not lost: its further combinations are summed in one point tagged otel.metric.overflow.
/// </summary>
public static class MetricCardinality
{
    /// <summary>Five times the largest count of combinations of the service's own meters (failed attempts: 13 causes × 3 decisions).</summary>
    public const int Known = 200;

    private static readonly HashSet<string> KnownMeters = new(StringComparer.Ordinal)
    {
        "System.Runtime",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "Microsoft.AspNetCore.Identity",
        "Microsoft.AspNetCore.MemoryPool",
    };

    /// <summary>A view for <c>AddView</c>: the limit of a known meter's instruments; null (the default) for the others.</summary>
    public static MetricStreamConfiguration? Limit(Instrument instrument) =>
        IsKnown(instrument.Meter.Name) ? new MetricStreamConfiguration { CardinalityLimit = Known } : null;

    public static bool IsKnown(string meterName) =>
        KnownMeters.Contains(meterName) || meterName.StartsWith(TelemetryNames.Prefix, StringComparison.Ordinal);
}
