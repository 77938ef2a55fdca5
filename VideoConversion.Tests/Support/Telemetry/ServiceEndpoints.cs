using System.Net;
using System.Text.Json;

namespace VideoConversion.Tests.Support.Telemetry;

/// <summary>What Kubernetes and Prometheus read from every service: /metrics and /health.</summary>
public static class ServiceEndpoints
{
    public static async Task<PrometheusText> ScrapeMetricsAsync(this HttpClient service)
    {
        using var response = await service.GetAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The readiness report: its HTTP status (200 ready, 503 not) and its JSON body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Report)> ReadinessAsync(this HttpClient service)
    {
        using var response = await service.GetAsync(new Uri("/health", UriKind.Relative));
        var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, report);
    }

    /// <summary>The status one check reported ("Healthy", "Unhealthy"...).</summary>
    public static string? CheckStatus(this JsonElement report, string check) =>
        report.GetProperty("checks").TryGetProperty(check, out var entry) ? entry.GetProperty("status").GetString() : null;
}
