using Microsoft.Extensions.DependencyInjection;

namespace VideoConversion.Infrastructure.Outbound;

public static class OutboundServiceExtensions
{
    /// <summary>The rules for URLs users give (the "Outbound" section), checked at start: a bad setting stops the service naming it.</summary>
    public static IServiceCollection AddOutboundTargets(this IServiceCollection services)
    {
        services.AddOptions<OutboundOptions>()
            .BindConfiguration(OutboundOptions.SectionName)
            .Validate(options => string.IsNullOrWhiteSpace(options.NameServers) ||
                    (NameServerResolver.TryParse(options.NameServers, out var servers) && servers.Count > 0),
                "Outbound:NameServers must list DNS servers as addresses, each with an optional port (\"1.1.1.1,[::1]:53\").")
            .ValidateOnStart();
        services.AddSingleton<OutboundTargets>();
        return services;
    }
}
