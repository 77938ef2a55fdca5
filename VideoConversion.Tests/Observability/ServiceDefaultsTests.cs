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
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Tests.Observability;

/// <summary>
/// What every service gets from ServiceDefaults, in Production as Kubernetes runs it: Prometheus
/// scrapes /metrics, the readiness probe reads /health, the liveness probe /alive.
/// </summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Metrics_readiness_and_aliveness_are_served_in_production()
    {
        await using var app = await StartServiceAsync(_ => { });
        using var meter = app.Services.GetRequiredService<IMeterFactory>().Create("VideoConversion.Probe");
        meter.CreateCounter<long>("videoconversion.probe.calls", "{call}").Add(3);
        using var http = new HttpClient { BaseAddress = Address(app) };

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
    }

    [Fact]
    public async Task A_dependency_down_makes_the_service_unready_by_name_but_still_alive()
    {
        await using var app = await StartServiceAsync(checks =>
            checks.AddCheck("storage", () => HealthCheckResult.Unhealthy("Object storage does not answer.")));
        using var http = new HttpClient { BaseAddress = Address(app) };

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

    private static async Task<WebApplication> StartServiceAsync(Action<IHealthChecksBuilder> addChecks)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        addChecks(builder.Services.AddHealthChecks());
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
}
