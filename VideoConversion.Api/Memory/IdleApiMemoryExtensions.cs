namespace VideoConversion.Api.Memory;

public static class IdleApiMemoryExtensions
{
    public static IServiceCollection AddIdleApiMemory(this IServiceCollection services)
    {
        services.AddSingleton(new IdleApiMemory());
        services.AddHostedService(provider => provider.GetRequiredService<IdleApiMemory>());
        return services;
    }

    /// <summary>
    /// Counts every request for <see cref="IdleApiMemory"/>: first of the app's middleware (only the management port's gate
    /// runs before it), so failed and refused requests count too.
    /// </summary>
    public static IApplicationBuilder UseIdleApiMemory(this IApplicationBuilder app)
    {
        var memory = app.ApplicationServices.GetRequiredService<IdleApiMemory>();
        return app.Use(async (context, next) =>
        {
            memory.RequestStarted();
            try
            {
                await next(context);
            }
            finally
            {
                memory.RequestEnded();
            }
        });
    }
}
