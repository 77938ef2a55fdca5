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
        LogDatabaseReady(logger, databasePath);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job database ready at {Path}")]
    private static partial void LogDatabaseReady(ILogger logger, string path);
}
