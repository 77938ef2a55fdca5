using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VideoConversion.Api.Coordination;

public static class CoordinationServiceExtensions
{
    /// <summary>
    /// The leases that keep each of the API's singletons (<see cref="ReplicaDuties"/>) on one replica at a time. Needs the
    /// job database (<c>AddJobDatabase</c>): PostgreSQL's advisory locks are the leases there.
    /// </summary>
    public static IServiceCollection AddReplicaLeases(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReplicaLeases>();
        return services;
    }
}
