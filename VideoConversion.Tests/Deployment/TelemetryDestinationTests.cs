using Microsoft.Extensions.Configuration;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using VideoConversion.AppHost.Resources;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// Where the services' telemetry goes: the dashboard by default, a collector of the user's in its place, or nowhere;
/// and the AppHost refuses settings that contradict each other.
/// </summary>
public sealed class TelemetryDestinationTests
{
    // Aspire's development default: spans show URLs' query strings, which for presigned storage URLs are signatures.
    private const string HttpClientQueryShown = "OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION";
    private const string AspNetCoreQueryShown = "OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION";


    [Fact]
    public void The_dashboard_is_the_default()
    {
        var telemetry = TelemetryDestination.From([]);

        Assert.True(telemetry.Dashboard);
        Assert.Null(telemetry.OtlpEndpoint);
    }

    [Fact]
    public void A_collector_replaces_the_dashboard()
    {
        var telemetry = TelemetryDestination.From(
            ["--VideoConversion:Dashboard=false", "--VideoConversion:OtlpEndpoint=http://collector:4318", "--VideoConversion:OtlpProtocol=http/protobuf"]);

        Assert.False(telemetry.Dashboard);
        Assert.Equal(new Uri("http://collector:4318"), telemetry.OtlpEndpoint);
        Assert.Equal("http/protobuf", telemetry.OtlpProtocol);
    }

    [Theory]
    [InlineData("--VideoConversion:OtlpEndpoint=http://collector:4317", "replaces the dashboard")]
    [InlineData("--VideoConversion:OtlpProtocol=thrift", "one of: grpc, http/protobuf")]
    [InlineData("--VideoConversion:OtlpProtocol=grpc", "applies with VideoConversion:OtlpEndpoint")]
    public void Contradicting_or_unknown_settings_are_refused_with_the_reason(string setting, string reason)
    {
        var refusal = Assert.Throws<InvalidOperationException>(() => TelemetryDestination.From([setting]));

        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_that_is_not_a_url_is_refused()
    {
        var refusal = Assert.Throws<InvalidOperationException>(() =>
            TelemetryDestination.From(["--VideoConversion:Dashboard=false", "--VideoConversion:OtlpEndpoint=collector:4317"]));

        Assert.Contains("http(s) URL", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_in_a_settings_file_which_is_read_too_late_is_refused_not_ignored()
    {
        var fromCommandLine = TelemetryDestination.From([]);
        var withSettingsFile = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["VideoConversion:Dashboard"] = "false" })
            .Build();

        var refusal = Assert.Throws<InvalidOperationException>(() => fromCommandLine.EnsureAgreesWith(withSettingsFile));
        Assert.Contains("command line or in its environment", refusal.Message, StringComparison.Ordinal);
        fromCommandLine.EnsureAgreesWith(new ConfigurationBuilder().Build());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_service_exports_to_the_collector_or_nowhere_and_never_carries_the_dashboards_key(bool toCollector)
    {
        string[] args = toCollector
            ? ["--VideoConversion:Dashboard=false", "--VideoConversion:OtlpEndpoint=http://collector:4318", "--VideoConversion:OtlpProtocol=http/protobuf"]
            : ["--VideoConversion:Dashboard=false"];
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.VideoConversion_AppHost>(args);

        var services = builder.Resources.OfType<ProjectResource>().ToList();
        Assert.Equal(["api", "web", "worker"], services.Select(service => service.Name).Order(StringComparer.Ordinal));
        foreach (var service in services)
        {
            var environment = await EnvironmentOf(service);
            Assert.DoesNotContain("OTEL_EXPORTER_OTLP_HEADERS", environment.Keys);
            if (toCollector)
            {
                Assert.Equal("http://collector:4318", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
                Assert.Equal("http/protobuf", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
                // A collector keeps what it gets: no signature goes there.
                Assert.DoesNotContain(HttpClientQueryShown, environment.Keys);
                Assert.DoesNotContain(AspNetCoreQueryShown, environment.Keys);
                // Exported as in a deployment, at the SDK's intervals, not each second for the dashboard.
                Assert.DoesNotContain("OTEL_METRIC_EXPORT_INTERVAL", environment.Keys);
                Assert.DoesNotContain("OTEL_BSP_SCHEDULE_DELAY", environment.Keys);
                Assert.DoesNotContain("OTEL_BLRP_SCHEDULE_DELAY", environment.Keys);
            }
            else
            {
                Assert.DoesNotContain("OTEL_EXPORTER_OTLP_ENDPOINT", environment.Keys);
            }
        }
    }

    /// <summary>
    /// The variables after the service's environment callbacks ran, plain values only (endpoints are not allocated here),
    /// starting from what Aspire sets when it runs the services: the dashboard's address and key, even with the dashboard off.
    /// </summary>
    private static async Task<Dictionary<string, string>> EnvironmentOf(ProjectResource service)
    {
        var variables = new Dictionary<string, object>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:19080",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=the-dashboards-key",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            [HttpClientQueryShown] = "true",
            [AspNetCoreQueryShown] = "true",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
        };
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), variables);
        foreach (var callback in service.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            try
            {
                await callback.Callback(context);
            }
            catch (InvalidOperationException)
            {
                // A callback that needs the running application (allocated endpoints, references): not telemetry's.
            }
        }

        return variables.Where(variable => variable.Value is string).ToDictionary(variable => variable.Key, variable => (string)variable.Value);
    }
}
