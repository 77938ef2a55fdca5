using Microsoft.Extensions.Configuration;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Where the services send their traces, metrics and logs: the Aspire dashboard (the default), or, with
/// VideoConversion:Dashboard=false, the OTLP endpoint in VideoConversion:OtlpEndpoint (a collector of the user's), or
/// nowhere. Read from the command line and the environment before the AppHost is built, since whether the dashboard
/// runs is decided then.
/// </summary>
/// <remarks>
/// Without the dashboard the AppHost does not ingest, index and show every span on the machine the services run on: on a
/// 2-core machine under the API's load the dashboard took 30–70 % of a core (scripts/benchmark runs without it for that reason).
/// </remarks>
public sealed record TelemetryDestination(bool Dashboard, Uri? OtlpEndpoint, string OtlpProtocol)
{
    public const string DashboardKey = AppHostSettings.SectionName + ":Dashboard";
    public const string OtlpEndpointKey = AppHostSettings.SectionName + ":OtlpEndpoint";
    public const string OtlpProtocolKey = AppHostSettings.SectionName + ":OtlpProtocol";

    /// <summary>The protocols the OpenTelemetry exporter speaks; gRPC is its default.</summary>
    public static readonly IReadOnlyList<string> Protocols = ["grpc", "http/protobuf"];

    /// <summary>
    /// A setting given where the AppHost cannot read it in time (appsettings.json, user secrets) would be ignored without a
    /// word: the builder's configuration, which holds those too, must give the same destination.
    /// </summary>
    /// <exception cref="InvalidOperationException">It does not, or its settings are refused as <see cref="From(string[])"/> refuses them.</exception>
    public void EnsureAgreesWith(IConfiguration configuration)
    {
        if (From(configuration) != this)
        {
            throw new InvalidOperationException(
                $"{DashboardKey}, {OtlpEndpointKey} and {OtlpProtocolKey} decide how the AppHost starts: give them on its command line or in its environment, not in a settings file.");
        }
    }

    /// <summary>From the command line and the environment, the only sources there are before the AppHost is built.</summary>
    /// <exception cref="InvalidOperationException">The settings contradict each other or name no usable endpoint.</exception>
    public static TelemetryDestination From(string[] args) =>
        From(new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build());

    /// <exception cref="InvalidOperationException">The settings contradict each other or name no usable endpoint.</exception>
    private static TelemetryDestination From(IConfiguration configuration)
    {
        var dashboard = configuration.GetValue(DashboardKey, true);
        var endpoint = configuration[OtlpEndpointKey];
        var protocol = configuration[OtlpProtocolKey] ?? "grpc";
        if (!Protocols.Contains(protocol, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"{OtlpProtocolKey} is '{protocol}'; it is one of: {string.Join(", ", Protocols)}.");
        }

        if (configuration[OtlpProtocolKey] is not null && string.IsNullOrWhiteSpace(endpoint))
        {
            throw new InvalidOperationException($"{OtlpProtocolKey} applies with {OtlpEndpointKey}, which is not set.");
        }

        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return new TelemetryDestination(dashboard, null, protocol);
        }

        if (dashboard)
        {
            // Aspire points the services at its dashboard; two destinations would leave one of them silently unused.
            throw new InvalidOperationException($"{OtlpEndpointKey} replaces the dashboard: set {DashboardKey}=false with it.");
        }

        return Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? new TelemetryDestination(false, uri, protocol)
            : throw new InvalidOperationException($"{OtlpEndpointKey} is '{endpoint}'; it is an http(s) URL, such as http://collector:4317.");
    }
}
