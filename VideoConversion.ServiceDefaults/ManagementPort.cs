using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The port the management endpoints (/metrics, the detailed /health) answer on, "Management:Port":
/// added to the addresses the service already listens on (ASPNETCORE_URLS, or HTTP_PORTS/HTTPS_PORTS,
/// or Kestrel's default), so the AppHost and a pod only have to name it.
/// </summary>
public static class ManagementPort
{
    public const string Setting = "Management:Port";

    /// <summary>The configured management port; null when there is none. A port that cannot work stops the start.</summary>
    public static int? From(IConfiguration configuration)
    {
        var value = configuration[Setting];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return int.TryParse(value, out var port) && port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{Setting} is '{value}': it must be a TCP port from 1 to 65535.");
    }

    public static void ListenOnManagementPort(this IWebHostBuilder webHost, IConfiguration configuration)
    {
        if (From(configuration) is not { } port)
        {
            return;
        }

        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            // Kestrel's own endpoints replace the URLs, so an added URL would never be listened on.
            throw new InvalidOperationException(
                $"{Setting} cannot be combined with Kestrel:Endpoints; give the service's addresses as ASPNETCORE_URLS or HTTP_PORTS.");
        }

        var addresses = ConfiguredAddresses(configuration);
        var parsed = addresses.Select(BindingAddress.Parse).ToList();
        if (parsed.Any(address => address.Port == port))
        {
            throw new InvalidOperationException(
                $"{Setting} is {port}, a port the service already serves on: the management port must be a port of its own.");
        }

        // Loopback when the service itself listens on loopback only (a local run), every interface otherwise (a pod).
        var host = parsed.All(address => address.Host is "localhost" or "127.0.0.1" or "[::1]") ? "localhost" : "*";
        webHost.UseUrls([.. addresses, $"http://{host}:{port}"]);
    }

    private static string[] ConfiguredAddresses(IConfiguration configuration)
    {
        static string[] Split(string? list) =>
            (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var urls = Split(configuration[WebHostDefaults.ServerUrlsKey]);
        if (urls.Length == 0)
        {
            // What the server uses when no URL is given: HTTP_PORTS / HTTPS_PORTS, else its own default.
            urls = [.. Split(configuration[WebHostDefaults.HttpPortsKey]).Select(port => $"http://*:{port}"),
                .. Split(configuration[WebHostDefaults.HttpsPortsKey]).Select(port => $"https://*:{port}")];
        }

        return urls.Length > 0 ? urls : ["http://localhost:5000"];
    }
}
