using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// The running system keeps its operational endpoints off the public ports: /metrics and the detailed
/// /health answer on each service's management port, as Prometheus and the AppHost's health checks
/// reach them, and a user at the API or the page finds nothing there.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class ManagementEndpointTests(SystemFixture system)
{
    [Fact]
    public async Task The_api_and_the_page_answer_404_for_metrics_and_health_on_their_public_ports_and_serve_them_on_management()
    {
        using var anonymousApi = new HttpClient { BaseAddress = system.Api.BaseAddress };
        using var page = new HttpClient { BaseAddress = system.WebAddress };
        foreach (var (publicPort, management) in new[] { (anonymousApi, system.ApiManagement), (page, system.WebManagement) })
        {
            foreach (var path in new[] { "/metrics", "/health" })
            {
                using var refused = await publicPort.GetAsync(new Uri(path, UriKind.Relative));
                Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
                Assert.DoesNotContain("videoconversion_", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // Liveness tells nothing and stays open for probes.
            using var alive = await publicPort.GetAsync(new Uri("/alive", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

            var (ready, report) = await management.ReadinessAsync();
            Assert.Equal(HttpStatusCode.OK, ready);
            Assert.Equal("Healthy", report.GetProperty("status").GetString());
            Assert.True((await management.ScrapeMetricsAsync()).Has("http_server_request_duration_seconds_count"));
        }

        // A signed-in caller gets no further than an anonymous one, and the 404 is the API's usual problem.
        using var metrics = await system.Api.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(404, (await metrics.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task The_management_port_serves_nothing_of_the_service_itself()
    {
        using var management = new HttpClient { BaseAddress = system.ApiManagement.BaseAddress };
        management.DefaultRequestHeaders.Authorization = system.Account.Authorization;

        using var jobs = await management.GetAsync(new Uri("/jobs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, jobs.StatusCode);
        using var page = await system.WebManagement.GetAsync(new Uri("/signin", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }
}
