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
        // Pooled: a request rents a context whose options and EF's services are made once, instead of building both for
        // every request (most of what a request allocated, and a large part of its time, before). Its constructor's other
        // parameter (the write gate) is a singleton, resolved once per pooled context.
        if (database.IsPostgreSql)
        {
            // Services ask for JobsDbContext and get PostgreSQL's type, whose migrations are PostgreSQL's.
            builder.Services.AddDbContextPool<JobsDbContext, PostgreSqlJobsDbContext>((services, options) => Configure(database, services, options));
        }
        else
        {
            builder.Services.AddDbContextPool<JobsDbContext>((services, options) => Configure(database, services, options));
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
