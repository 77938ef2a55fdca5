using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.Api.Data;

/// <summary>How the <see cref="DatabaseWriter"/> opens the job database, and the options of the contexts its commands run with.</summary>
public sealed class DatabaseWriterOptions(string connectionString, WebhookEventRecorder? recorder, ILoggerFactory loggerFactory)
{
    public string ConnectionString { get; } = connectionString;

    /// <summary>Contexts on the writer's own connection, recording webhook events in their saves as every context of the API does.</summary>
    public DbContextOptions<JobsDbContext> ContextOptions(SqliteConnection connection)
    {
        // The application's logging, as DI-made contexts have it: EF's errors and warnings reach the logs.
        var options = new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(connection).UseLoggerFactory(loggerFactory);
        if (recorder is not null)
        {
            options.AddInterceptors(recorder);
        }

        return options.Options;
    }
}
