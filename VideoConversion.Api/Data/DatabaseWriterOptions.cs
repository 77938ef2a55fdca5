using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.Api.Data;

/// <summary>How the <see cref="DatabaseWriter"/> opens the job database, and the options of the contexts its commands run with.</summary>
public sealed class DatabaseWriterOptions(JobDatabase database, WebhookEventRecorder? recorder, ILoggerFactory loggerFactory)
{
    public JobDatabase Database { get; } = database;

    /// <summary>Contexts on the writer's own connection, recording webhook events in their saves as every context of the API does.</summary>
    public DbContextOptions ContextOptions(DbConnection connection) => Database.ContextOptions(connection, options =>
    {
        // The application's logging, as DI-made contexts have it: EF's errors and warnings reach the logs.
        options.UseLoggerFactory(loggerFactory);
        if (recorder is not null)
        {
            options.AddInterceptors(recorder);
        }
    });
}
