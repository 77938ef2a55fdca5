using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace VideoConversion.Api.Data;

/// <summary>Lets 'dotnet ef migrations add' build the model without starting the API and its dependencies.</summary>
internal sealed class JobsDbContextDesignTimeFactory : IDesignTimeDbContextFactory<JobsDbContext>
{
    public JobsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<JobsDbContext>().UseSqlite("Data Source=design-time.db").Options, new DatabaseWriteGate());
}
