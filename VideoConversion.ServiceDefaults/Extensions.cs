using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using VideoConversion.Contracts.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every VideoConversion service shares: telemetry, health endpoints, service discovery, resilience and C heap trims.
/// </summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string MetricsEndpointPath = "/metrics";
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.AddHostedService<NativeHeapTrimming>();
        // Registered in this order, so they run in it: the management gate first, then forwarded headers.
        var managementPort = ManagementPort.From(builder.Configuration);
        builder.Services.AddSingleton(new ManagementGate(managementPort, servesLoopbackWithoutPort: builder.Environment.IsDevelopment()).AsStartupFilter());
        builder.Services.AddTrustedProxies(builder.Configuration);
        if (builder is WebApplicationBuilder web)
        {
            web.WebHost.ListenOnManagementPort(builder.Configuration);
        }

        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // POSTs are not retried: a retry after a lost answer would create a second job.
            http.AddStandardResilienceHandler(options => options.Retry.DisableForUnsafeHttpMethods());
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryNames.Prefix + "*")
                .AddView(MetricCardinality.Limit)
                // Kubernetes and Prometheus scrape /metrics in every environment, on the management port.
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryNames.Prefix + "*")
                .AddAspNetCoreInstrumentation(options =>
                {
                    // Probes and scrapes are noise in traces.
                    options.Filter = context => !ManagementGate.IsProbePath(context.Request.Path);
                    options.EnrichWithHttpRequest = (activity, request) =>
                    {
                        if (PlaybackLinkRedaction.Redact(request.Path.Value) is { } path)
                        {
                            activity.SetTag("url.path", path);
                        }
                    };
                })
                .AddHttpClientInstrumentation(options => options.EnrichWithHttpRequestMessage = (activity, request) =>
                {
                    if (PlaybackLinkRedaction.Redact(request.RequestUri?.ToString()) is { } url)
                    {
                        activity.SetTag("url.full", url);
                    }
                }));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps /health (ready: every dependency answers), /alive (the process runs) and /metrics.
    /// They are mapped in every environment because Kubernetes probes and Prometheus use them;
    /// /health and /metrics answer on the management port only (<see cref="ManagementGate"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = HealthReportWriter.WriteAsync,
        });
        app.MapPrometheusScrapingEndpoint(MetricsEndpointPath);
        return app;
    }
}
