using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// The writer's own statements (<see cref="WriterCommands"/>) on PostgreSQL, on a schema the migrations made, through the
/// API's database writer, with its connections' statements prepared as the API's are. A submission is one statement
/// (<see cref="SubmissionStatements"/>: the job's UPDATE in a WITH, the queue message's INSERT selected from it), which
/// leaves the database as EF's SaveChanges would, account totals and all, and for a job changed since it was read writes
/// neither the job nor the message. Many new jobs of two accounts sharing a lane, committed in their groups, each read
/// their own account's totals and are their own row.
/// </summary>
[Collection(PostgreSqlSystem.Name)]
public sealed class WriterStatementsOnPostgreSqlTests(PostgreSqlSystemFixture system)
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    [Fact]
    public async Task The_one_statement_writes_what_SaveChanges_writes_and_nothing_for_a_job_changed_since_it_was_read()
    {
        var connectionString = await PostgreSqlSchemas.NewAsync(system.App, "submission");
        try
        {
            await using (var db = Context(connectionString))
            {
                await db.Database.MigrateAsync();
                foreach (var id in new[] { "j_by_ef", "j_by_statement", "j_changed" })
                {
                    db.Jobs.Add(Job.Create(id, "clip.mp4", "video/mp4", $"{id}.mp4", Created, Created.AddMinutes(10), ownerId: $"owner-{id}"));
                }

                await db.SaveChangesAsync();
                // The test's own witness of which statement inserted each message (the query the server was sent), so the
                // test fails should the two statements run instead of the one: they write the same rows.
                await db.Database.ExecuteSqlRawAsync("""
                    CREATE TABLE message_inserted_by (job_id text NOT NULL, query text NOT NULL);
                    CREATE FUNCTION record_message_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        INSERT INTO message_inserted_by VALUES (NEW."JobId", current_query());
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER record_message_insert BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION record_message_insert();
                    """);
            }

            await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            using var writer = PostgreSqlSchemas.WriterAt(connectionString, services.GetRequiredService<IMeterFactory>());
            await writer.StartAsync(CancellationToken.None);
            try
            {
                await SubmitAllAsync(writer);
            }
            finally
            {
                await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            }

            await using var check = Context(connectionString);
            var jobs = await check.Jobs.ToDictionaryAsync(job => job.Id);
            var byEf = check.Entry(jobs["j_by_ef"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
            var byStatement = check.Entry(jobs["j_by_statement"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
            foreach (var (name, value) in byEf.Where(property => property.Key is not (nameof(Job.Id) or nameof(Job.InputKey) or nameof(Job.OwnerId))))
            {
                Assert.True(Equals(value, byStatement[name]), $"{name}: SaveChanges wrote {value}, the statement {byStatement[name]}.");
            }

            Assert.Equal(JobStatus.Pending, jobs["j_by_statement"].Status);
            // The job changed meanwhile keeps what the other write made of it: recorded, not submitted.
            Assert.Equal((JobStatus.AwaitingUpload, 99L, (long?)null), (jobs["j_changed"].Status, jobs["j_changed"].UploadedBytes, jobs["j_changed"].InputBytes));

            // The triggers ran on the statement's UPDATE as on EF's.
            var usage = await check.AccountUsage.ToDictionaryAsync(totals => totals.OwnerId);
            Assert.Equal((1, 1234L), (usage["owner-j_by_statement"].ActiveJobs, usage["owner-j_by_statement"].StoredBytes));
            Assert.Equal(
                (usage["owner-j_by_ef"].ActiveJobs, usage["owner-j_by_ef"].StoredBytes),
                (usage["owner-j_by_statement"].ActiveJobs, usage["owner-j_by_statement"].StoredBytes));

            // The statement's message was inserted by the one statement, EF's by an INSERT of its own.
            var insertedBy = await check.Database.SqlQueryRaw<InsertedBy>("SELECT job_id AS \"JobId\", query AS \"Query\" FROM message_inserted_by").ToListAsync();
            Assert.Equal(["j_by_ef", "j_by_statement"], insertedBy.Select(row => row.JobId).Order(StringComparer.Ordinal));
            Assert.StartsWith("WITH submitted AS (UPDATE ", insertedBy.Single(row => row.JobId == "j_by_statement").Query, StringComparison.Ordinal);
            Assert.StartsWith("INSERT INTO ", insertedBy.Single(row => row.JobId == "j_by_ef").Query.TrimStart(), StringComparison.Ordinal);

            // One message for each job submitted, none for the one changed; the statement's as SaveChanges writes it.
            var messages = await check.Outbox.OrderBy(message => message.Id).ToListAsync();
            Assert.Equal(["j_by_ef", "j_by_statement"], messages.Select(message => message.JobId));
            Assert.Equal(
                (messages[0].Queue, messages[0].CreatedAt, messages[0].TraceParent, messages[0].Attempts, messages[0].LastError),
                (messages[1].Queue, messages[1].CreatedAt, messages[1].TraceParent, messages[1].Attempts, messages[1].LastError));
            Assert.Equal(
                Encoding.UTF8.GetString(messages[0].Payload).Replace("j_by_ef", "{job}", StringComparison.Ordinal),
                Encoding.UTF8.GetString(messages[1].Payload).Replace("j_by_statement", "{job}", StringComparison.Ordinal));
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task Many_creates_of_two_accounts_of_one_lane_at_once_each_read_its_own_totals_and_write_its_own_row()
    {
        const int PerAccount = 200;
        var connectionString = await PostgreSqlSchemas.NewAsync(system.App, "creates");
        try
        {
            await using (var db = Context(connectionString))
            {
                await db.Database.MigrateAsync();
            }

            // Two accounts whose writes share a lane, and so one connection: each statement runs there hundreds of times
            // with one account's values, then the other's, prepared after its 5th run.
            var accounts = new[] { "owner-many", Enumerable.Range(0, 1000).Select(i => $"owner-other-{i}").First(other => DatabaseWriter.AccountLaneOf(other) == DatabaseWriter.AccountLaneOf("owner-many")) };
            await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            using var writer = PostgreSqlSchemas.WriterAt(connectionString, services.GetRequiredService<IMeterFactory>());
            await writer.StartAsync(CancellationToken.None);
            List<string> prepared;
            Dictionary<string, List<int>> totalsRead;
            try
            {
                // As POST /upload/request writes a job on SQLite, and on PostgreSQL when the account had no room by its
                // statement's check (JobCreation): its account's totals locked and read, then its row.
                var creates = Enumerable.Range(0, PerAccount).SelectMany(index => accounts.Select(account => (account, index))).Select(create =>
                    writer.WriteAsync(new WriteLocks(create.account), async (db, cancellationToken) =>
                    {
                        var usage = await AccountUsage.LockAndReadAsync(db, create.account, cancellationToken);
                        await RowInsert.WriteAsync(db, Job.Create(
                            $"j_{create.account}_{create.index}", "clip.mp4", "video/mp4", $"in/{create.account}/{create.index}.mp4", Created, Created.AddMinutes(10),
                            ownerId: create.account, declaredBytes: 10), cancellationToken);
                        return (create.account, usage.ActiveJobs);
                    }, CancellationToken.None)).ToList();
                await Task.WhenAll(creates).ContinueWith(_ => { }, TaskScheduler.Default);
                var failed = creates.Where(create => create.IsFaulted).Select(create => create.Exception!.InnerException!.ToString()).ToList();
                Assert.True(failed.Count == 0, $"{failed.Count} failed; first: {failed.FirstOrDefault()}");
                totalsRead = creates.GroupBy(create => create.Result.account).ToDictionary(account => account.Key, account => account.Select(create => create.Result.ActiveJobs).Order().ToList());
                prepared = await writer.WriteAsync(new WriteLocks(accounts[0]), (db, cancellationToken) =>
                    db.Database.SqlQuery<string>($"SELECT statement AS \"Value\" FROM pg_prepared_statements").ToListAsync(cancellationToken), CancellationToken.None);
            }
            finally
            {
                await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
            }

            // The statements ran prepared on the lane's connection (else this test would prove nothing of them).
            Assert.Contains(prepared, statement => statement.StartsWith("INSERT INTO jobs (", StringComparison.Ordinal));
            await using var check = Context(connectionString);
            var usage = await check.AccountUsage.ToDictionaryAsync(totals => totals.OwnerId);
            var jobs = await check.Jobs.ToDictionaryAsync(job => job.Id);
            Assert.Equal(2 * PerAccount, jobs.Count);
            foreach (var account in accounts)
            {
                // Each create read its own account's totals, as they stood after the creates before it: 0 to 199, once each.
                Assert.Equal(Enumerable.Range(0, PerAccount), totalsRead[account]);
                Assert.Equal((PerAccount, 10L * PerAccount), (usage[account].ActiveJobs, usage[account].StoredBytes));
                Assert.All(Enumerable.Range(0, PerAccount), index => Assert.Equal($"in/{account}/{index}.mp4", jobs[$"j_{account}_{index}"].InputKey));
            }
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    /// <summary>One job submitted by EF, one by the statement, and one by the statement from a read gone stale.</summary>
    private static async Task SubmitAllAsync(DatabaseWriter writer)
    {
        await writer.WriteAsync(async (db, cancellationToken) =>
        {
            var job = await JobLookup.ForChangeAsync(db, "j_by_ef", cancellationToken);
            db.Outbox.Add(Submit(job!));
            return await db.SaveChangesAsync(cancellationToken);
        }, CancellationToken.None);

        // As POST /jobs writes them: in its account's group, naming the account and the job.
        await writer.WriteAsync(new WriteLocks("owner-j_by_statement", "j_by_statement"), async (db, cancellationToken) =>
        {
            var job = (await JobLookup.ForStatementAsync(db, "j_by_statement", cancellationToken))!;
            var readVersion = job.Version;
            Assert.True(await SubmissionStatements.TryWriteAsync(db, job, readVersion, Submit(job), cancellationToken));
            Assert.Empty(db.ChangeTracker.Entries()); // nothing left for a SaveChanges to write again
            return 0;
        }, CancellationToken.None);

        // Read, then changed by another write (its upload recorded) before its submission is written.
        var stale = await writer.WriteAsync((db, cancellationToken) => JobLookup.ForStatementAsync(db, "j_changed", cancellationToken), CancellationToken.None);
        await writer.WriteAsync(async (db, cancellationToken) =>
        {
            var job = await JobLookup.ForChangeAsync(db, "j_changed", cancellationToken);
            Assert.True(job!.RecordUpload(99, "\"other\"", Created.AddMinutes(1)));
            return await db.SaveChangesAsync(cancellationToken);
        }, CancellationToken.None);
        var readVersion = stale!.Version;
        var message = Submit(stale);
        Assert.False(await writer.WriteAsync(
            new WriteLocks("owner-j_changed", "j_changed"), (db, cancellationToken) => SubmissionStatements.TryWriteAsync(db, stale, readVersion, message, cancellationToken), CancellationToken.None));
    }

    private sealed record InsertedBy(string JobId, string Query);

    private static PostgreSqlJobsDbContext Context(string connectionString) => PostgreSqlSchemas.ContextAt(connectionString);

    /// <summary>The job submitted as POST /jobs submits it (outputs chosen, then the upload's size and ETag), and its message.</summary>
    private static OutboxMessage Submit(Job job)
    {
        job.ChooseOutputs([OutputKinds.Mp4, OutputKinds.Poster], Created.AddMinutes(2));
        Assert.Equal(SubmitOutcome.Submitted, job.Submit(1234, "\"etag\"", Created.AddMinutes(3)));
        return JobQueueing.Message(job, job.OutputFormat, Created.AddMinutes(3), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 1 << 30);
    }
}
