using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The proxies whose X-Forwarded-For and X-Forwarded-Proto a service believes,
/// "ForwardedHeaders:TrustedNetworks" (CIDRs, comma-separated: "10.0.0.0/8,192.168.0.0/16"). The client's
/// address keys the sign-in limits, so it is taken from a header only when the connection comes from a
/// proxy named here; with none named the headers are ignored. (ASPNETCORE_FORWARDEDHEADERS_ENABLED
/// instead believes anyone, which would let every request pick its own address.)
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "ForwardedHeaders:TrustedNetworks";

    public static IReadOnlyList<System.Net.IPNetwork> From(IConfiguration configuration) =>
        [.. (configuration[Setting] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(network => System.Net.IPNetwork.TryParse(network, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{Setting}: '{network}' is not a network (for example 10.0.0.0/8 or 192.168.1.10/32)."))];

    internal static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        var networks = From(configuration);
        if (networks.Count == 0)
        {
            return services;
        }

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // The address and the scheme; never the host, which AllowedHosts and the URLs the services sign depend on.
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }
        });
        return services.AddSingleton<IStartupFilter, ForwardedHeadersFilter>();
    }

    private sealed class ForwardedHeadersFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseForwardedHeaders();
            next(app);
        };
    }
}
