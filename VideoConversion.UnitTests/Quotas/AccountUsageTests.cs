using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Quotas;
using VideoConversion.UnitTests.Data;

namespace VideoConversion.UnitTests.Quotas;

/// <summary>
/// An account's totals read in the database writer's batch, by the writer's own statement (<see cref="RowRead{TEntity}.InBatchByKeyAsync"/>),
/// answer as the totals kept by the triggers: the batch's own uncommitted writes included, as the quota check needs.
/// </summary>
public sealed class AccountUsageTests : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-account-usage-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Totals_read_in_the_writers_batch_include_its_own_writes_and_match_the_jobs_counted()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created, "j_first");
        await MigratedDatabase.WithWriterAsync(file, async writer =>
        {
            for (var write = 0; write < 2; write++) // the second on the connection's command made by the first
            {
                var id = $"j_more{write}";
                var (before, after, counted, none) = await writer.WriteAsync(async (db, cancellationToken) =>
                {
                    var before = await AccountUsage.OfAsync(db, "owner-j_first", cancellationToken);
                    await RowInsert.WriteAsync(db, Job.Create(
                        id, "clip.mp4", null, $"{id}.mp4", Created, Created.AddHours(1), declaredBytes: 4096, ownerId: "owner-j_first"), cancellationToken);
                    return (before, await AccountUsage.OfAsync(db, "owner-j_first", cancellationToken),
                        await AccountUsage.CountAsync(db, "owner-j_first", cancellationToken),
                        await AccountUsage.OfAsync(db, "owner-nobody", cancellationToken));
                }, CancellationToken.None);

                Assert.Equal(new AccountUsage(1 + write, 4096L * write), before);
                Assert.Equal(new AccountUsage(2 + write, 4096L * (write + 1)), after);
                Assert.Equal(counted, after);
                Assert.Equal(new AccountUsage(0, 0), none);
            }
        });

        // Outside a batch the same call reads by EF, and agrees.
        await using var check = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
        Assert.Equal(new AccountUsage(3, 8192), await AccountUsage.OfAsync(check, "owner-j_first", CancellationToken.None));
    }

    [Fact]
    public void The_statement_reads_the_totals_table_by_its_key_on_both_providers()
    {
        using var sqlite = new JobsDbContext(new DbContextOptionsBuilder<JobsDbContext>().UseSqlite("Data Source=:memory:").Options, new DatabaseWriteGate());
        using var postgreSql = new PostgreSqlJobsDbContext(
            new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql("Host=localhost;Database=unused").Options, new DatabaseWriteGate());
        Assert.Equal("""SELECT "OwnerId", "ActiveJobs", "StoredBytes" FROM "account_usage" WHERE "OwnerId" = @key""", RowRead.For<AccountUsageTotals>(sqlite).ByKey);
        Assert.Equal("""SELECT "OwnerId", "ActiveJobs", "StoredBytes" FROM account_usage WHERE "OwnerId" = @key""", RowRead.For<AccountUsageTotals>(postgreSql).ByKey);
    }
}
