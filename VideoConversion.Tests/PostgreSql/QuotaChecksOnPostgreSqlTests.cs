using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// The quota checks that go in a write's own statement on PostgreSQL (<see cref="QuotaCheckSql"/>), on a schema the
/// migrations made, through the API's database writer: a new job's row (<see cref="JobCreation"/>) and a submission of an
/// undeclared size (<see cref="SubmissionStatements"/>) are written by the one statement while the account has room, up to
/// the limit exactly, and not past it; a refused job's answer names the totals as they are. A create alone in its group
/// waits for its account's lock, which its own command takes, and counts what the lock's holder committed meanwhile; the
/// row it writes is the row SaveChanges writes.
/// </summary>
[Collection(PostgreSqlSystem.Name)]
public sealed class QuotaChecksOnPostgreSqlTests(PostgreSqlSystemFixture system)
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    // The test's own witness of the statement that wrote each job and message (the query the server ran), so that the
    // test fails should the totals' read and a plain INSERT have written them instead: they write the same rows.
    private const string Witness = """
        CREATE TABLE written_by (row_of text NOT NULL, query text NOT NULL);
        CREATE FUNCTION record_written_by() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO written_by VALUES (TG_TABLE_NAME, current_query());
            RETURN NEW;
        END $$;
        CREATE TRIGGER record_job_written_by BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION record_written_by();
        CREATE TRIGGER record_message_written_by BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION record_written_by();
        """;

    [Fact]
    public async Task Creates_at_once_fill_the_active_jobs_quota_exactly_and_the_rest_are_refused_naming_it()
    {
        const int Limit = 7;
        var quotas = new QuotaOptions { MaxActiveJobs = Limit, MaxStoredBytes = 1_000_000 };
        var owner = NewAccount();
        var connectionString = await NewSchemaAsync("active");
        try
        {
            var answers = await WithWriterAsync(connectionString, writer => Task.WhenAll(Enumerable.Range(0, 40).Select(index =>
                writer.WriteAsync(new WriteLocks(owner), (db, cancellationToken) =>
                    JobCreation.WriteAsync(db, NewJob($"j_active_{index}", owner, declaredBytes: 10), quotas, cancellationToken), CancellationToken.None))));

            Assert.Equal(Limit, answers.Count(refusal => refusal is null));
            Assert.All(answers.OfType<ProblemHttpResult>(), refusal =>
            {
                Assert.Equal(429, refusal.StatusCode);
                var extensions = refusal.ProblemDetails.Extensions;
                Assert.Equal(("active_jobs", (long)Limit, (long)Limit), ((string)extensions["quota"]!, (long)extensions["limit"]!, (long)extensions["current"]!));
            });

            await using var check = Context(connectionString);
            Assert.Equal(Limit, await check.Jobs.CountAsync());
            var usage = await check.AccountUsage.SingleAsync();
            Assert.Equal((Limit, 10L * Limit), (usage.ActiveJobs, usage.StoredBytes));
            var writtenBy = await WrittenByAsync(check, "jobs");
            Assert.Equal(Limit, writtenBy.Count);
            Assert.All(writtenBy, query => Assert.Contains("AS account_totals WHERE account_totals.active_jobs < $", query, StringComparison.Ordinal));
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task Declared_sizes_fill_the_storage_quota_to_the_byte_and_a_job_of_unknown_size_is_still_created()
    {
        var quotas = new QuotaOptions { MaxActiveJobs = 100, MaxStoredBytes = 100 };
        var owner = NewAccount();
        var connectionString = await NewSchemaAsync("stored");
        try
        {
            var answers = await WithWriterAsync(connectionString, async writer =>
            {
                Task<ProblemHttpResult?> Create(string id, long? declaredBytes) => writer.WriteAsync(new WriteLocks(owner), (db, cancellationToken) =>
                    JobCreation.WriteAsync(db, NewJob(id, owner, declaredBytes), quotas, cancellationToken), CancellationToken.None);
                return new[]
                {
                    await Create("j_sixty", 60),
                    await Create("j_one_too_many", 41), // 101
                    await Create("j_the_rest", 40), // 100: the limit exactly
                    await Create("j_unknown_size", null), // counted when its upload's size is known
                    await Create("j_one_more", 1),
                };
            });

            Assert.Equal([true, false, true, true, false], answers.Select(refusal => refusal is null));
            Assert.All(answers.OfType<ProblemHttpResult>(), refusal =>
            {
                Assert.Equal(413, refusal.StatusCode);
                Assert.Equal("stored_bytes", refusal.ProblemDetails.Extensions["quota"]);
            });
            Assert.Equal([60L, 100L], answers.OfType<ProblemHttpResult>().Select(refusal => (long)refusal.ProblemDetails.Extensions["current"]!));

            await using var check = Context(connectionString);
            Assert.Equal(["j_sixty", "j_the_rest", "j_unknown_size"], await check.Jobs.Select(job => job.Id).OrderBy(id => id).ToListAsync());
            Assert.Equal(3, (await WrittenByAsync(check, "jobs")).Count(query => query.Contains("AS account_totals", StringComparison.Ordinal)));
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_submission_of_undeclared_size_is_written_by_its_statement_while_it_fits_and_writes_nothing_past_the_quota()
    {
        var quotas = new QuotaOptions { MaxActiveJobs = 100, MaxStoredBytes = 100 };
        var owner = NewAccount();
        var connectionString = await NewSchemaAsync("submitted");
        try
        {
            await using (var db = Context(connectionString))
            {
                db.Jobs.Add(NewJob("j_declared", owner, declaredBytes: 90));
                db.Jobs.Add(NewJob("j_too_big", owner, declaredBytes: null));
                db.Jobs.Add(NewJob("j_fits", owner, declaredBytes: null));
                db.Jobs.Add(NewJob("j_changed", owner, declaredBytes: null));
                await db.SaveChangesAsync();
            }

            var written = await WithWriterAsync(connectionString, async writer =>
            {
                Task<bool> Submit(string id, long size, int versionsAgo = 0) => writer.WriteAsync(new WriteLocks(owner, id), async (db, cancellationToken) =>
                {
                    var job = (await JobLookup.ForStatementAsync(db, id, cancellationToken))!;
                    var readVersion = job.Version - versionsAgo;
                    Assert.Equal(SubmitOutcome.Submitted, job.Submit(size, "\"etag\"", Created.AddMinutes(1)));
                    var message = JobQueueing.Message(job, job.OutputFormat, Created.AddMinutes(1), traceParent: null, 1 << 30);
                    return await SubmissionStatements.TryWriteAsync(
                        db, job, readVersion, message, new QuotaCheck(owner, AddsActiveJob: false, size, quotas), cancellationToken);
                }, CancellationToken.None);
                return new[] { await Submit("j_too_big", 11), await Submit("j_changed", 1, versionsAgo: 1), await Submit("j_fits", 10) };
            });

            Assert.Equal([false, false, true], written);
            await using var check = Context(connectionString);
            var statuses = await check.Jobs.ToDictionaryAsync(job => job.Id, job => job.Status);
            Assert.Equal((JobStatus.AwaitingUpload, JobStatus.AwaitingUpload, JobStatus.Pending), (statuses["j_too_big"], statuses["j_changed"], statuses["j_fits"]));
            Assert.Equal(["j_fits"], await check.Outbox.Select(message => message.JobId).ToListAsync());
            Assert.Equal(100L, (await check.AccountUsage.SingleAsync()).StoredBytes);
            Assert.Contains("EXISTS (SELECT 1 FROM (SELECT COALESCE(", Assert.Single(await WrittenByAsync(check, "outbox")), StringComparison.Ordinal);
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_create_alone_waits_for_its_accounts_lock_and_then_counts_what_the_holder_committed()
    {
        var owner = NewAccount();
        var quotas = new QuotaOptions { MaxActiveJobs = 1, MaxStoredBytes = 1_000_000 };
        var connectionString = await NewSchemaAsync("locked");
        try
        {
            await using var holder = await AccountLockHolder.HoldAsync(connectionString, owner);
            var refusal = await WithWriterAsync(connectionString, async writer =>
            {
                // Alone in its group, so the writer takes no lock for it up front: the lock in its own command is the one.
                var create = writer.WriteAsync(new WriteLocks(owner), (db, cancellationToken) =>
                    JobCreation.WriteAsync(db, NewJob("j_waited", owner, declaredBytes: 10), quotas, cancellationToken), CancellationToken.None);
                await holder.WaitUntilWaitedForAsync("The create (its command did not take the lock?)");

                // The holder fills the quota and lets go: the create, which read nothing before the lock, must count it.
                await using (var db = Context(connectionString))
                {
                    db.Jobs.Add(NewJob("j_holders", owner, declaredBytes: 10));
                    await db.SaveChangesAsync();
                }

                await holder.ReleaseAsync();
                return await create;
            });

            Assert.NotNull(refusal);
            Assert.Equal((429, 1L), (refusal.StatusCode, (long)refusal.ProblemDetails.Extensions["current"]!));
            await using var check = Context(connectionString);
            Assert.Equal(["j_holders"], await check.Jobs.Select(job => job.Id).ToListAsync());
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_job_written_by_its_statement_is_the_job_SaveChanges_writes()
    {
        var owner = NewAccount();
        var quotas = new QuotaOptions();
        var connectionString = await NewSchemaAsync("columns");
        try
        {
            // Every optional value given, so that a column the statement left out or wrote wrong shows.
            Job Twin(string id) => Job.Create(
                id, "twin.mov", "video/quicktime", $"in/{id}.mov", Created, Created.AddMinutes(10), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                declaredBytes: 7_000_000_000, owner, apiKeyId: "key-1", startOnUpload: true, outputs: [OutputKinds.Mp4, OutputKinds.Poster], partSize: 64L << 20);
            await using (var db = Context(connectionString))
            {
                db.Jobs.Add(Twin("j_by_ef"));
                await db.SaveChangesAsync();
            }

            var refusal = await WithWriterAsync(connectionString, writer => writer.WriteAsync(new WriteLocks(owner), (db, cancellationToken) =>
                JobCreation.WriteAsync(db, Twin("j_by_statement"), quotas, cancellationToken), CancellationToken.None));

            Assert.Null(refusal);
            await using var check = Context(connectionString);
            var jobs = await check.Jobs.ToDictionaryAsync(job => job.Id);
            var byEf = check.Entry(jobs["j_by_ef"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
            var byStatement = check.Entry(jobs["j_by_statement"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
            foreach (var (name, value) in byEf.Where(property => property.Key is not (nameof(Job.Id) or nameof(Job.InputKey))))
            {
                Assert.True(Equals(value, byStatement[name]), $"{name}: SaveChanges wrote {value}, the statement {byStatement[name]}.");
            }

            // EF's INSERT, and the statement's, the job's row selected from the account's totals.
            var writtenBy = await WrittenByAsync(check, "jobs");
            Assert.Equal(2, writtenBy.Count);
            Assert.Single(writtenBy, query => query.Contains("AS account_totals WHERE", StringComparison.Ordinal));
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    private Task<string> NewSchemaAsync(string prefix) => PostgreSqlSchemas.MigratedAsync(system.App, prefix, then: Witness);

    private static Task<T> WithWriterAsync<T>(string connectionString, Func<DatabaseWriter, Task<T>> writes) =>
        PostgreSqlSchemas.WithWriterAsync(connectionString, writes);

    private static Task<List<string>> WrittenByAsync(PostgreSqlJobsDbContext db, string table) =>
        db.Database.SqlQuery<string>($"SELECT query AS \"Value\" FROM written_by WHERE row_of = {table}").ToListAsync();

    /// <summary>An account of this test's own: the accounts' locks are the server's, shared with the system and every test.</summary>
    private static string NewAccount() => $"quota-test-{Guid.NewGuid():N}";

    private static Job NewJob(string id, string ownerId, long? declaredBytes) =>
        Job.Create(id, "clip.mp4", "video/mp4", $"in/{id}.mp4", Created, Created.AddMinutes(10), ownerId: ownerId, declaredBytes: declaredBytes);

    private static PostgreSqlJobsDbContext Context(string connectionString) => PostgreSqlSchemas.ContextAt(connectionString);
}
