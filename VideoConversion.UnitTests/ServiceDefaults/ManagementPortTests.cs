using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;

namespace VideoConversion.UnitTests.ServiceDefaults;

/// <summary>Where the management port joins the addresses a service listens on, and the settings that cannot work.</summary>
public sealed class ManagementPortTests
{
    [Theory]
    [InlineData("http://localhost:5100", null, "http://localhost:5100;http://localhost:9090")]
    [InlineData("http://127.0.0.1:5100;https://127.0.0.1:5101", null, "http://127.0.0.1:5100;https://127.0.0.1:5101;http://localhost:9090")]
    [InlineData("http://+:8080", null, "http://+:8080;http://*:9090")]
    [InlineData(null, "8080", "http://*:8080;http://*:9090")]
    [InlineData(null, null, "http://localhost:5000;http://localhost:9090")]
    public void The_management_port_is_added_to_the_addresses_the_service_already_had(string? urls, string? httpPorts, string expected)
    {
        var builder = Builder(urls, httpPorts, "9090");

        builder.WebHost.ListenOnManagementPort(builder.Configuration);

        Assert.Equal(expected, builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey));
    }

    [Theory]
    [InlineData("http://localhost:9090", "a port the service already serves on")]
    [InlineData("http://+:8080;http://+:9090", "a port the service already serves on")]
    public void A_management_port_the_service_already_serves_on_stops_the_start(string urls, string reason)
    {
        var builder = Builder(urls, null, "9090");

        var refusal = Assert.Throws<InvalidOperationException>(() => builder.WebHost.ListenOnManagementPort(builder.Configuration));

        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("metrics")]
    public void A_port_that_is_no_port_stops_the_start(string port)
    {
        var builder = Builder("http://localhost:5100", null, port);

        var refusal = Assert.Throws<InvalidOperationException>(() => builder.WebHost.ListenOnManagementPort(builder.Configuration));

        Assert.Contains("Management:Port", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kestrel_endpoints_which_would_leave_the_port_unopened_stop_the_start()
    {
        var builder = Builder("http://localhost:5100", null, "9090");
        builder.Configuration["Kestrel:Endpoints:Http:Url"] = "http://localhost:5200";

        var refusal = Assert.Throws<InvalidOperationException>(() => builder.WebHost.ListenOnManagementPort(builder.Configuration));

        Assert.Contains("Kestrel:Endpoints", refusal.Message, StringComparison.Ordinal);
    }

    private static WebApplicationBuilder Builder(string? urls, string? httpPorts, string managementPort)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Configuration["Management:Port"] = managementPort;
        builder.Configuration["http_ports"] = httpPorts;
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, urls);
        return builder;
    }
}
