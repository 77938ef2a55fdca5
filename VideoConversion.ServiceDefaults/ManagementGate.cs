using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps the management endpoints off the public port: /metrics (every job's numbers, queue names,
/// hosts) and the detailed /health (which dependency is down) answer on the <see cref="ManagementPort"/>
/// alone, which Prometheus and the readiness probe reach and users do not; the management port serves
/// nothing else. /alive, which says nothing but "the process runs", answers on both for liveness probes.
/// </summary>
/// <remarks>
/// The port a connection arrived on (<see cref="ConnectionInfo.LocalPort"/>) decides, never the Host
/// header, which any client sets. It runs first, before forwarded headers, authentication and routing.
/// Without a management port the two answer only in Development, to callers on the same machine: a
/// container or a deployment that forgot the port serves them to no one rather than to everyone.
/// </remarks>
public sealed class ManagementGate(int? managementPort, bool servesLoopbackWithoutPort)
{
    /// <summary>The management endpoints' paths: /health and /metrics, and what lies below them.</summary>
    public static bool IsManagementPath(PathString path) =>
        path.StartsWithSegments(Extensions.HealthEndpointPath) || path.StartsWithSegments(Extensions.MetricsEndpointPath);

    /// <summary>Probes and scrapes: the management paths and /alive; kept out of traces.</summary>
    public static bool IsProbePath(PathString path) => IsManagementPath(path) || path.StartsWithSegments(Extensions.AlivenessEndpointPath);

    /// <summary>Whether a request may reach what it asks for on the port it arrived on.</summary>
    public bool Allows(HttpContext context)
    {
        var path = context.Request.Path;
        if (managementPort is not { } port)
        {
            return !IsManagementPath(path) ||
                (servesLoopbackWithoutPort && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote));
        }

        return context.Connection.LocalPort == port ? IsProbePath(path) : !IsManagementPath(path);
    }

    /// <summary>The gate as the first middleware of the service's pipeline.</summary>
    internal IStartupFilter AsStartupFilter() => new Filter(this);

    private sealed class Filter(ManagementGate gate) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (gate.Allows(context))
                {
                    await nextMiddleware(context);
                    return;
                }

                // A plain 404 (a ProblemDetails where the service writes them): nothing says the endpoint exists elsewhere.
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                if (context.RequestServices.GetService<IProblemDetailsService>() is { } problems)
                {
                    await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context });
                }
            });
            next(app);
        };
    }
}
