using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Extensions;

namespace VideoConversion.Api.Data;

public static class DatabaseServiceExtensions
{
    /// <summary>The job database (jobs, outbox, accounts, keys), for the API and for scripts/manage alike.</summary>
    public static IHostApplicationBuilder AddJobDatabase(this IHostApplicationBuilder builder)
    {
        var database = builder.Configuration.GetConnectionString(ApplicationServiceExtensions.DatabaseConnectionName)
            ?? throw new InvalidOperationException(
                $"Connection string '{ApplicationServiceExtensions.DatabaseConnectionName}' is missing: " +
                $"set ConnectionStrings__{ApplicationServiceExtensions.DatabaseConnectionName} to 'Data Source=/path/jobs.db'.");
        builder.Services.AddSingleton<DatabaseWriteGate>();
        builder.Services.AddDbContext<JobsDbContext>((services, options) =>
        {
            options.UseSqlite(database);
            // Where webhooks run (the API, not scripts/manage), every job change records its events in its own save.
            if (services.GetService<Webhooks.WebhookEventRecorder>() is { } recorder)
            {
                options.AddInterceptors(recorder);
            }
        });
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
