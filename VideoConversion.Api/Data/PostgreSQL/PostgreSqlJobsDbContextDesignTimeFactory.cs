using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace VideoConversion.Api.Data.PostgreSQL;

/// <summary>
/// Lets 'dotnet ef migrations add --context PostgreSqlJobsDbContext' build the model without a server: adding a migration
/// never connects.
/// </summary>
internal sealed class PostgreSqlJobsDbContextDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlJobsDbContext>
{
    public PostgreSqlJobsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql("Host=localhost;Database=design-time").Options, new DatabaseWriteGate());
}
