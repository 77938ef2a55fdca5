using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// The outbox reads under <c>FOR UPDATE SKIP LOCKED</c> (<see cref="OutboxClaims"/>), on a schema the migrations made: a
/// dispatcher's claim takes the oldest messages no other transaction holds, a cancel's read a job's own; and both go on
/// working, prepared on their connection as the API's statements are, after a newer version's migration adds a column to
/// the outbox (a rolling upgrade), where a prepared <c>SELECT *</c> fails with <c>0A000</c>.
/// </summary>
[Collection(PostgreSqlSystem.Name)]
public sealed class OutboxClaimsOnPostgreSqlTests(PostgreSqlSystemFixture system)
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    [Fact]
    public async Task A_claim_takes_the_oldest_messages_no_one_holds_and_a_cancel_a_jobs_own()
    {
        var connectionString = await SchemaWithMessagesAsync();
        try
        {
            await using var first = Context(connectionString);
            await using var firstClaim = await first.Database.BeginTransactionAsync();
            var claimedFirst = await OutboxClaims.Oldest(first, 3).AsNoTracking().ToListAsync();
            Assert.Equal(["j_a", "j_a", "j_b"], claimedFirst.Select(message => message.JobId));
            Assert.Equal(claimedFirst.Select(message => message.Id).Order(), claimedFirst.Select(message => message.Id));

            // Another replica's claim, meanwhile, passes over the rows the first holds: the next oldest.
            await using var second = Context(connectionString);
            await using (await second.Database.BeginTransactionAsync())
            {
                var claimedSecond = await OutboxClaims.Oldest(second, 3).AsNoTracking().ToListAsync();
                Assert.Equal(["j_b", "j_c"], claimedSecond.Select(message => message.JobId));
                Assert.Empty(claimedFirst.Select(message => message.Id).Intersect(claimedSecond.Select(message => message.Id)));

                // A cancel's read of a job's unsent messages passes over those a dispatcher holds.
                Assert.Empty(await OutboxClaims.OfJob(second, "j_a", QueueNames.VideoJobs).AsNoTracking().ToListAsync());
            }

            // Both claims ended: job b's cancellation is free too, yet a cancel reads only its job's messages of its queue.
            await firstClaim.RollbackAsync();
            await using var third = Context(connectionString);
            await using (await third.Database.BeginTransactionAsync())
            {
                var unsent = Assert.Single(await OutboxClaims.OfJob(third, "j_b", QueueNames.VideoJobs).AsNoTracking().ToListAsync());
                Assert.Equal(("j_b", QueueNames.VideoJobs, "trace-j_b", (byte)3), (unsent.JobId, unsent.Queue, unsent.TraceParent, unsent.Payload.Single()));
            }
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task Both_reads_still_work_prepared_after_a_column_is_added_to_the_outbox()
    {
        var connectionString = await SchemaWithMessagesAsync();
        try
        {
            // One connection for the whole test, as a replica's pooled connection: its statements prepared, as the API's are.
            await using var replica = Context(connectionString);
            await replica.Database.OpenConnectionAsync();
            // Past the uses that prepare them (2 here), so the reads below run as prepared statements do on a busy replica.
            for (var use = 0; use < 3; use++)
            {
                await ReadBothAsync(replica);
            }

            Assert.Equal(2, await PreparedCountAsync(replica));

            // A newer version's migration, run while this replica still runs.
            await PostgreSqlSchemas.ExecuteAsync(connectionString, "ALTER TABLE outbox ADD COLUMN added_by_a_newer_version text");

            await ReadBothAsync(replica);
            Assert.Equal(2, await PreparedCountAsync(replica));
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    /// <summary>
    /// A schema the migrations made, holding <see cref="Messages"/> (saved one at a time, so their ids are in the list's
    /// order); its connection string.
    /// </summary>
    private async Task<string> SchemaWithMessagesAsync()
    {
        var connectionString = await PostgreSqlSchemas.NewAsync(system.App, "claims");
        await using var db = Context(connectionString);
        await db.Database.MigrateAsync();
        foreach (var message in Messages())
        {
            db.Outbox.Add(message);
            await db.SaveChangesAsync();
        }

        // The oldest message's row written again, so the table's own order (a scan's) is no longer the ids': a claim
        // that did not order by id would take another batch.
        await db.Database.ExecuteSqlRawAsync("""UPDATE outbox SET "Attempts" = "Attempts" WHERE "Id" = (SELECT min("Id") FROM outbox)""");
        return connectionString;
    }

    /// <summary>The claim and a cancel's read, each in a transaction of its own, as the dispatcher and a cancel run them.</summary>
    private static async Task ReadBothAsync(JobsDbContext db)
    {
        await using (await db.Database.BeginTransactionAsync())
        {
            Assert.Equal(5, (await OutboxClaims.Oldest(db, 10).AsNoTracking().ToListAsync()).Count);
        }

        await using (await db.Database.BeginTransactionAsync())
        {
            Assert.Equal(2, (await OutboxClaims.OfJob(db, "j_a", QueueNames.VideoJobs).AsNoTracking().ToListAsync()).Count);
        }
    }

    /// <summary>The statements prepared on <paramref name="db"/>'s connection that lock outbox rows (filtered here, so this read never counts itself).</summary>
    private static async Task<int> PreparedCountAsync(JobsDbContext db) =>
        (await db.Database.SqlQueryRaw<string>("SELECT statement AS \"Value\" FROM pg_prepared_statements").ToListAsync())
            .Count(statement => statement.Contains("outbox", StringComparison.Ordinal) && statement.TrimEnd().EndsWith("FOR UPDATE SKIP LOCKED", StringComparison.Ordinal));

    /// <summary>In id order: two of job a, a cancellation of job b, one of b and one of c.</summary>
    private static IEnumerable<OutboxMessage> Messages() =>
        new (string JobId, string Queue)[]
        {
            ("j_a", QueueNames.VideoJobs), ("j_a", QueueNames.VideoJobs), ("j_b", QueueNames.JobCancellations), ("j_b", QueueNames.VideoJobs), ("j_c", QueueNames.VideoJobs),
        }.Select((message, index) => new OutboxMessage
        {
            JobId = message.JobId, Queue = message.Queue, Payload = [(byte)index], CreatedAt = Created.AddSeconds(index), TraceParent = $"trace-{message.JobId}",
        });

    /// <summary>A context on the schema whose connections prepare a statement at its second use (the API's: its fifth).</summary>
    private static PostgreSqlJobsDbContext Context(string connectionString) => new(
        new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql(
            new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = JobDatabase.AutoPreparedStatements, AutoPrepareMinUsages = 2 }.ConnectionString).Options,
        new DatabaseWriteGate());
}
