using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// The model and each provider's migrations agree: a change to an entity without a migration for SQLite and for
/// PostgreSQL fails here, not at an API's start (EF refuses to migrate with pending model changes). No database is needed.
/// </summary>
public sealed class MigrationsTests
{
    [Fact]
    public void Sqlite_migrations_match_the_model()
    {
        using var db = new JobsDbContext(
            new DbContextOptionsBuilder<JobsDbContext>().UseSqlite("Data Source=:memory:").Options, new DatabaseWriteGate());
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed without a SQLite migration (Data/Migrations)");
    }

    [Fact]
    public void PostgreSql_migrations_match_the_model()
    {
        using var db = new PostgreSqlJobsDbContext(
            new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql("Host=localhost;Database=unused").Options, new DatabaseWriteGate());
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed without a PostgreSQL migration (Data/PostgreSQL/Migrations)");
        Assert.Contains(db.Database.GetMigrations(), migration => migration.EndsWith("_InitialCreate", StringComparison.Ordinal));
    }
}
