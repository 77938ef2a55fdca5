using Microsoft.EntityFrameworkCore;

namespace VideoConversion.Api.Data;

public static partial class DatabaseInitializer
{
    /// <summary>
    /// Creates the database directory (SQLite), applies migrations and switches to WAL before the API serves a request, so
    /// no request ever meets an old schema. Replicas starting together migrate once: EF takes a database-wide lock for the
    /// migration (a lock table on SQLite, an advisory lock on PostgreSQL), and whoever comes second finds nothing to apply.
    /// </summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var database = scope.ServiceProvider.GetRequiredService<JobDatabase>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer));

        if (database.SqliteFile is { } file)
        {
            var directory = Path.GetDirectoryName(file);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (!database.IsPostgreSql)
        {
            // WAL lets readers proceed while the single writer commits; the setting persists in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await RequireAccountUsageTriggersAsync(db, database, cancellationToken);
        var location = database.Describe();
        LogDatabaseReady(logger, database.Provider, location);
    }

    /// <summary>Quotas read totals these triggers keep; without them the totals would drift unseen, so the API does not start.</summary>
    private static async Task RequireAccountUsageTriggersAsync(JobsDbContext db, JobDatabase database, CancellationToken cancellationToken)
    {
        var present = await (database.IsPostgreSql
            ? db.Database.SqlQuery<string>($"SELECT tgname::text AS \"Value\" FROM pg_trigger WHERE tgrelid = 'jobs'::regclass AND NOT tgisinternal")
            : db.Database.SqlQuery<string>($"SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'jobs'"))
            .ToListAsync(cancellationToken);
        var missing = Quotas.AccountUsageTriggers.All.Except(present, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The job database lacks the triggers that keep account_usage in step ({string.Join(", ", missing)}): a migration " +
                "that rebuilt the jobs table must create them again (see the AccountUsageTotals migration).");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job database ready ({Provider}): {Location}")]
    private static partial void LogDatabaseReady(ILogger logger, DatabaseProvider provider, string location);
}
