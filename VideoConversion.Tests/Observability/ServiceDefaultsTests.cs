using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Tests.Observability;

/// <summary>
/// What every service gets from ServiceDefaults, in Production as Kubernetes runs it: Prometheus
/// scrapes /metrics and the readiness probe reads /health on the management port, the liveness
/// probe /alive on either port.
/// </summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Metrics_readiness_and_aliveness_are_served_in_production_on_the_management_port()
    {
        var managementPort = FreeTcpPort.Next();
        await using var app = await StartServiceAsync(_ => { }, managementPort);
        using var meter = app.Services.GetRequiredService<IMeterFactory>().Create("VideoConversion.Probe");
        meter.CreateCounter<long>("videoconversion.probe.calls", "{call}").Add(3);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };

        var metrics = await http.ScrapeMetricsAsync();
        Assert.Equal(3, metrics.Sum("videoconversion_probe_calls_total"));
        // ASP.NET Core's and the runtime's instruments too: the first scrape was itself a request
        // (recorded once it ended; the exporter may answer from its cache for a moment).
        var again = await Polling.WaitForAsync(async () =>
        {
            var scrape = await http.ScrapeMetricsAsync();
            return scrape.Has("http_server_request_duration_seconds_count") ? scrape : null;
        }, "ASP.NET Core request metrics", TimeSpan.FromSeconds(10));
        Assert.True(again.Has("dotnet_gc_collections_total"), "runtime metrics are not exported");
        var (ready, report) = await http.ReadinessAsync();
        Assert.Equal(HttpStatusCode.OK, ready);
        Assert.Equal("Healthy", report.CheckStatus("self"));
        using var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        using var service = await http.GetAsync(new Uri("/hello", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, service.StatusCode);
    }

    [Fact]
    public async Task A_metric_of_the_service_s_own_keeps_its_cardinality_limit_and_sums_the_rest_as_overflow()
    {
        var managementPort = FreeTcpPort.Next();
        await using var app = await StartServiceAsync(_ => { }, managementPort);
        using var meter = app.Services.GetRequiredService<IMeterFactory>().Create("VideoConversion.Probe");
        var calls = meter.CreateCounter<long>("videoconversion.probe.tagged_calls", "{call}");
        const int Combinations = MetricCardinality.Known + 100;
        for (var value = 0; value < Combinations; value++)
        {
            calls.Add(1, new KeyValuePair<string, object?>("videoconversion.probe.value", value));
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };
        var metrics = await http.ScrapeMetricsAsync();

        const string Name = "videoconversion_probe_tagged_calls_total";
        Assert.Equal(Combinations, metrics.Sum(Name)); // nothing is lost
        Assert.Equal(MetricCardinality.Known + 1, metrics.Count(Name));
        Assert.Equal(100, metrics.Sum(Name, ("otel_metric_overflow", "true")));
    }

    [Fact]
    public async Task A_service_trims_its_C_heap_on_a_period()
    {
        await using var app = await StartServiceAsync(_ => { }, FreeTcpPort.Next());
        var trimming = Assert.Single(app.Services.GetServices<IHostedService>().OfType<NativeHeapTrimming>());

        // Three periods: the first trim comes one period after the start.
        await Polling.WaitForAsync(() => trimming.Trims > 0 ? trimming : null, "a trim of the C heap", NativeHeapTrimming.DefaultPeriod * 3);
    }

    [Fact]
    public async Task The_public_port_serves_the_service_and_aliveness_but_not_metrics_or_readiness()
    {
        var managementPort = FreeTcpPort.Next();
        await using var app = await StartServiceAsync(_ => { }, managementPort);
        using var http = new HttpClient { BaseAddress = PublicAddress(app, managementPort) };

        using var hello = await http.GetAsync(new Uri("/hello", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        using var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        foreach (var path in new[] { "/metrics", "/health" })
        {
            using var refused = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            // Naming the management port in the Host header changes nothing: the connection's port decides.
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            spoofed.Headers.Host = $"127.0.0.1:{managementPort}";
            using var stillRefused = await http.SendAsync(spoofed);
            Assert.Equal(HttpStatusCode.NotFound, stillRefused.StatusCode);
        }
    }

    [Fact]
    public async Task A_dependency_down_makes_the_service_unready_by_name_but_still_alive()
    {
        var managementPort = FreeTcpPort.Next();
        await using var app = await StartServiceAsync(checks =>
            checks.AddCheck("storage", () => HealthCheckResult.Unhealthy("Object storage does not answer.")), managementPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };

        var (ready, report) = await http.ReadinessAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Equal("Unhealthy", report.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", report.CheckStatus("storage"));
        Assert.Equal("Object storage does not answer.", report.GetProperty("checks").GetProperty("storage").GetProperty("description").GetString());
        // Liveness ignores dependencies: restarting the pod would not bring storage back.
        using var alive = await http.GetAsync(new Uri("/alive", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task The_worker_is_not_ready_without_a_working_ffmpeg()
    {
        var missing = new FFmpegHealthCheck(Options.Create(new ConversionOptions { FFmpegPath = "/nonexistent/ffmpeg" }));
        var notAProgram = new FFmpegHealthCheck(Options.Create(new ConversionOptions { FFmpegPath = "/bin/false" }));
        var real = new FFmpegHealthCheck(Options.Create(new ConversionOptions()));

        Assert.Equal(HealthStatus.Unhealthy, (await missing.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Equal(HealthStatus.Unhealthy, (await notAProgram.CheckHealthAsync(new HealthCheckContext())).Status);
        var healthy = await real.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.StartsWith("ffmpeg version", healthy.Description, StringComparison.Ordinal);
    }

    /// <summary>A service as the AppHost and the manifests start one: its own URL, plus the management port to add.</summary>
    private static async Task<WebApplication> StartServiceAsync(Action<IHealthChecksBuilder> addChecks, int managementPort)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration[ManagementPort.Setting] = managementPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.AddServiceDefaults();
        addChecks(builder.Services.AddHealthChecks());
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapGet("/hello", () => "hello");
        await app.StartAsync();
        return app;
    }

    private static Uri PublicAddress(WebApplication app, int managementPort) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Single(address => new Uri(address).Port != managementPort));
}
