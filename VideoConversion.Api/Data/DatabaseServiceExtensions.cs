using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data.PostgreSQL;

namespace VideoConversion.Api.Data;

public static class DatabaseServiceExtensions
{
    /// <summary>The job database (jobs, outbox, accounts, keys), for the API and for scripts/manage alike.</summary>
    public static IHostApplicationBuilder AddJobDatabase(this IHostApplicationBuilder builder)
    {
        var database = JobDatabase.From(builder.Configuration);
        builder.Services.AddSingleton(database);
        builder.Services.AddSingleton(DatabaseWriteGate.For(database));
        if (database.IsPostgreSql)
        {
            // Services ask for JobsDbContext and get PostgreSQL's type, whose migrations are PostgreSQL's.
            builder.Services.AddDbContext<JobsDbContext, PostgreSqlJobsDbContext>((services, options) => Configure(database, services, options));
        }
        else
        {
            builder.Services.AddDbContext<JobsDbContext>((services, options) => Configure(database, services, options));
        }

        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    private static void Configure(JobDatabase database, IServiceProvider services, DbContextOptionsBuilder options)
    {
        database.Configure(options);
        // Where webhooks run (the API, not scripts/manage), every job change records its events in its own save.
        if (services.GetService<Webhooks.WebhookEventRecorder>() is { } recorder)
        {
            options.AddInterceptors(recorder);
        }
    }
}
