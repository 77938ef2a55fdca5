using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace VideoConversion.Api.Data;

public static partial class DatabaseInitializer
{
    /// <summary>
    /// Creates the database directory, applies migrations and switches to WAL before the API
    /// serves a request, so no request ever meets an old schema.
    /// </summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer));

        var databasePath = Path.GetFullPath(new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource);
        var directory = Path.GetDirectoryName(databasePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await db.Database.MigrateAsync(cancellationToken);
        // WAL lets readers proceed while the single writer commits; the setting persists in the file.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        await RequireAccountUsageTriggersAsync(db, cancellationToken);
        LogDatabaseReady(logger, databasePath);
    }

    /// <summary>Quotas read totals these triggers keep; without them the totals would drift unseen, so the API does not start.</summary>
    private static async Task RequireAccountUsageTriggersAsync(JobsDbContext db, CancellationToken cancellationToken)
    {
        var present = await db.Database
            .SqlQuery<string>($"SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'jobs'")
            .ToListAsync(cancellationToken);
        var missing = Quotas.AccountUsageTriggers.All.Except(present, StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The job database lacks the triggers that keep account_usage in step ({string.Join(", ", missing)}): a migration " +
                "that rebuilt the jobs table must create them again (see the AccountUsageTotals migration).");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job database ready at {Path}")]
    private static partial void LogDatabaseReady(ILogger logger, string path);
}
