using System.Collections.Concurrent;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Uploads;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// The statements an account's group of writes sends ahead on PostgreSQL (<see cref="DatabaseWriter"/>): creates'
/// (<see cref="JobCreation.StatementAhead"/>) and submissions' (<see cref="SubmissionStatements.StatementAhead"/>, through
/// <see cref="UploadAcceptance"/>) go with the group's locks, after them, in the group's one round trip before its commit,
/// and each write is decided as it would be alone: the quota filled exactly, a write without room or with a stale read
/// decided again, a statement that fails failing its write alone.
/// </summary>
/// <remarks>
/// Writes are made into one group by queuing them behind a write that holds the account's lane. The round trips are
/// counted as Npgsql's activities (one per command or batch it sends), those of this test's own trace: the writer is
/// started inside it, so its lanes' commands are its children, and no other test's are.
/// </remarks>
[Collection(PostgreSqlSystem.Name)]
public sealed class StatementsAheadOnPostgreSqlTests(PostgreSqlSystemFixture system)
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private static readonly string[] CreatedInTheFailingGroup = ["j_first", "j_taken", "j_third"];

    private static readonly string[] Submitted = ["j_declared", "j_fits", "j_too_big", "j_stale", "j_hooked"];

    private static readonly string[] ChosenOutputs = [OutputKinds.Mp4, OutputKinds.Poster];

    // The test's own witness of the transaction and the statement that wrote each job and message.
    private const string Witness = """
        CREATE TABLE written_by (row_of text NOT NULL, query text NOT NULL, transaction_id bigint NOT NULL DEFAULT txid_current());
        CREATE FUNCTION record_written_by() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO written_by (row_of, query) VALUES (TG_TABLE_NAME, current_query());
            RETURN NEW;
        END $$;
        CREATE TRIGGER record_job_written_by BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION record_written_by();
        CREATE TRIGGER record_message_written_by BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION record_written_by();
        """;

    [Fact]
    public async Task Creates_queued_together_send_their_statements_with_the_groups_locks_in_one_round_trip_and_fill_the_quota_exactly()
    {
        const int Limit = 7;
        var quotas = new QuotaOptions { MaxActiveJobs = Limit, MaxStoredBytes = 1_000_000 };
        var owner = NewAccount();
        var connectionString = await PostgreSqlSchemas.MigratedAsync(system.App, "ahead", then: Witness);
        try
        {
            using var commands = new CommandsOfThisTrace();
            var (answers, afterRelease) = await PostgreSqlSchemas.WithWriterAsync(connectionString, async writer =>
            {
                var held = new LaneHolder(writer, owner);
                await held.StartedAsync();
                var creates = Enumerable.Range(0, 40).Select(index => CreateAsync(writer, NewJob($"j_{index:D2}", owner, declaredBytes: 10), quotas)).ToList();
                var mark = commands.Mark();
                held.Release();
                var answers = await Task.WhenAll(creates).WaitAsync(TimeSpan.FromSeconds(60));
                return (answers, commands.Since(mark));
            });

            // In the order queued: the first seven wrote their rows by the statements sent ahead, the rest found no room.
            Assert.Equal(Enumerable.Repeat<bool?>(true, Limit).Concat(Enumerable.Repeat<bool?>(false, 40 - Limit)), answers.Select(answer => answer.WroteAhead));
            Assert.All(answers.Take(Limit), answer => Assert.Null(answer.Refusal));
            Assert.All(answers.Skip(Limit), answer =>
            {
                Assert.Equal(429, answer.Refusal!.StatusCode);
                Assert.Equal((long)Limit, (long)answer.Refusal.ProblemDetails.Extensions["current"]!);
            });

            await using var check = PostgreSqlSchemas.ContextAt(connectionString);
            Assert.Equal(Enumerable.Range(0, Limit).Select(index => $"j_{index:D2}"), await check.Jobs.OrderBy(job => job.Id).Select(job => job.Id).ToListAsync());
            var writtenBy = await WrittenByAsync(check, "jobs");
            Assert.Single(writtenBy.Select(row => row.TransactionId).Distinct());
            Assert.All(writtenBy, row => Assert.Contains("AS account_totals WHERE account_totals.active_jobs < $", row.Query, StringComparison.Ordinal));

            // The group's lock, then its forty statements, in one round trip; on its connection, only the refused ones' reads
            // of the totals besides, one each (the account's lock, held already, and the read). Without statements ahead,
            // each statement would be a command of its own.
            var (group, onItsConnection) = TheOneWith(afterRelease, "INSERT INTO");
            Assert.Equal(40, group.Count("INSERT INTO"));
            Assert.True(group.Sql.IndexOf("pg_advisory_xact_lock", StringComparison.Ordinal) is >= 0 and var lockAt && lockAt < group.Sql.IndexOf("INSERT INTO", StringComparison.Ordinal), group.Sql);
            Assert.Equal(1 + (40 - Limit), onItsConnection);
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_groups_statements_run_after_its_locks_and_count_what_the_lock_holder_committed_meanwhile()
    {
        var owner = NewAccount();
        var quotas = new QuotaOptions { MaxActiveJobs = 2, MaxStoredBytes = 1_000_000 };
        var connectionString = await PostgreSqlSchemas.MigratedAsync(system.App, "ahead", then: Witness);
        try
        {
            await using var holder = await AccountLockHolder.HoldAsync(connectionString, owner);
            var answers = await PostgreSqlSchemas.WithWriterAsync(connectionString, async writer =>
            {
                var held = new LaneHolder(writer, owner);
                await held.StartedAsync();
                var creates = Enumerable.Range(0, 3).Select(index => CreateAsync(writer, NewJob($"j_queued_{index}", owner, declaredBytes: 10), quotas)).ToList();
                held.Release();
                await holder.WaitUntilWaitedForAsync("The group");

                // Waiting for the lock, the group has run none of its statements: it holds nothing of the jobs table.
                Assert.Equal(0L, await holder.ScalarAsync(
                    "SELECT count(*) FROM pg_locks AS waiting JOIN pg_locks AS held ON held.pid = waiting.pid " +
                    "WHERE waiting.locktype = 'advisory' AND NOT waiting.granted AND held.locktype = 'relation' AND held.relation = 'jobs'::regclass"));

                // The holder takes one of the two places and lets go: the group's statements, sent before the lock was
                // granted but run after it, must count it.
                await using (var db = PostgreSqlSchemas.ContextAt(connectionString))
                {
                    db.Jobs.Add(NewJob("j_holders", owner, declaredBytes: 10));
                    await db.SaveChangesAsync();
                }

                await holder.ReleaseAsync();
                return await Task.WhenAll(creates).WaitAsync(TimeSpan.FromSeconds(60));
            });

            Assert.Equal<bool?>([true, false, false], answers.Select(answer => answer.WroteAhead));
            Assert.All(answers.Skip(1), answer => Assert.Equal((429, 2L), (answer.Refusal!.StatusCode, (long)answer.Refusal.ProblemDetails.Extensions["current"]!)));
            await using var check = PostgreSqlSchemas.ContextAt(connectionString);
            Assert.Equal(["j_holders", "j_queued_0"], await check.Jobs.OrderBy(job => job.Id).Select(job => job.Id).ToListAsync());
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_statement_ahead_that_fails_fails_its_write_alone_and_the_groups_other_writes_commit()
    {
        var owner = NewAccount();
        var quotas = new QuotaOptions { MaxActiveJobs = 100, MaxStoredBytes = 1_000_000 };
        var connectionString = await PostgreSqlSchemas.MigratedAsync(system.App, "ahead", then: Witness);
        try
        {
            await using (var db = PostgreSqlSchemas.ContextAt(connectionString))
            {
                db.Jobs.AddRange(NewJob("j_taken", owner, declaredBytes: 10), NewJob("j_uploaded", owner, declaredBytes: 10));
                await db.SaveChangesAsync();
            }

            var (creates, submitted, undoneByWrites) = await PostgreSqlSchemas.WithWriterAsync(connectionString, async (writer, meters) =>
            {
                using var undone = new UndoneGroups(meters);
                var acceptance = await AcceptanceAsync(writer, quotas);
                var read = await writer.WriteAsync((db, cancellationToken) => JobLookup.ForStatementAsync(db, "j_uploaded", cancellationToken), CancellationToken.None);
                var held = new LaneHolder(writer, owner);
                await held.StartedAsync();
                // j_taken's id is taken: its INSERT, in the group's batch, fails, and the server skips the rest of the batch:
                // the submission made on its caller's read in memory, sent ahead, is not written.
                var creates = CreatedInTheFailingGroup.Select(id => CreateAsync(writer, NewJob(id, owner, declaredBytes: 10), quotas)).ToList();
                var submitted = acceptance.SubmitAsync(
                    "j_uploaded", new StoredUpload(10, "\"etag\""), isFresh: true, traceParent: null, withSubmission: null, CancellationToken.None, ChosenOutputs, read);
                held.Release();
                await Task.WhenAll(creates).WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => { }, TaskScheduler.Default);
                return (creates, await submitted.WaitAsync(TimeSpan.FromSeconds(60)), undone.By(DatabaseMetrics.UndoneByWrite));
            });

            // Undone once, by the failing statement: then it ran alone, the others together.
            Assert.Equal(1, undoneByWrites);

            var failure = Assert.IsType<PostgresException>(creates[1].Exception?.InnerException);
            Assert.Equal(PostgresErrorCodes.UniqueViolation, failure.SqlState);
            Assert.Null(failure.BatchCommand); // its statement, parameters and all, was taken off it
            // The others ran again as a group without it, their statements ahead again; the submission's made on the job
            // read again, its outputs chosen again.
            Assert.Equal<bool?>([true, true], [(await creates[0]).WroteAhead, (await creates[2]).WroteAhead]);
            Assert.Equal(UploadOutcome.Submitted, submitted.Outcome);
            await using var check = PostgreSqlSchemas.ContextAt(connectionString);
            Assert.Equal(["j_first", "j_taken", "j_third", "j_uploaded"], await check.Jobs.OrderBy(job => job.Id).Select(job => job.Id).ToListAsync());
            var uploaded = await check.Jobs.SingleAsync(job => job.Id == "j_uploaded");
            Assert.Equal(JobStatus.Pending, uploaded.Status);
            Assert.Equal(ChosenOutputs, uploaded.OutputList);
            Assert.Equal(["j_uploaded"], await check.Outbox.Select(message => message.JobId).ToListAsync());
            Assert.Equal(4, (await check.AccountUsage.SingleAsync()).ActiveJobs);
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_caller_that_gives_up_once_its_statement_went_ahead_is_answered_and_its_group_is_not_undone()
    {
        var owner = NewAccount();
        var quotas = new QuotaOptions { MaxActiveJobs = 1, MaxStoredBytes = 1_000_000 };
        var connectionString = await PostgreSqlSchemas.MigratedAsync(system.App, "ahead", then: Witness);
        try
        {
            var (first, gaveUp, undoneByWrites) = await PostgreSqlSchemas.WithWriterAsync(connectionString, async (writer, meters) =>
            {
                using var undone = new UndoneGroups(meters);
                var held = new LaneHolder(writer, owner);
                await held.StartedAsync();
                var first = CreateAsync(writer, NewJob("j_first", owner, declaredBytes: 10), quotas);

                // The second's caller gives up just as its statement is made: the statement goes, finds no room (the first
                // took it), and the refusal's read of the totals must not be cancelled, which would undo the group.
                using var givingUp = new CancellationTokenSource();
                var second = NewJob("j_second", owner, declaredBytes: 10);
                var gaveUp = writer.WriteAsync(new WriteLocks(owner), db =>
                {
                    var statement = JobCreation.StatementAhead(db, second, quotas);
                    givingUp.Cancel();
                    return statement;
                }, (db, wroteAhead, cancellationToken) => JobCreation.WriteAsync(db, second, quotas, cancellationToken, wroteAhead), givingUp.Token);
                held.Release();
                return (await first.WaitAsync(TimeSpan.FromSeconds(60)), await gaveUp.WaitAsync(TimeSpan.FromSeconds(60)), undone.By(DatabaseMetrics.UndoneByWrite));
            });

            Assert.Equal((null, true), (first.Refusal, first.WroteAhead));
            Assert.Equal(429, gaveUp?.StatusCode);
            Assert.Equal(0, undoneByWrites);
            await using var check = PostgreSqlSchemas.ContextAt(connectionString);
            Assert.Equal(["j_first"], await check.Jobs.Select(job => job.Id).ToListAsync());
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    [Fact]
    public async Task Submissions_queued_together_go_ahead_with_the_groups_locks_and_each_is_decided_as_it_would_be_alone()
    {
        var owner = NewAccount();
        var quotas = new QuotaOptions { MaxActiveJobs = 100, MaxStoredBytes = 100 };
        var connectionString = await PostgreSqlSchemas.MigratedAsync(system.App, "ahead", then: Witness);
        try
        {
            // Declared sizes count when the job is made (65 bytes); undeclared ones when their upload's size is known.
            await using (var db = PostgreSqlSchemas.ContextAt(connectionString))
            {
                db.Jobs.AddRange(
                    NewJob("j_declared", owner, declaredBytes: 60), NewJob("j_hooked", owner, declaredBytes: 5), NewJob("j_fits", owner, declaredBytes: null),
                    NewJob("j_too_big", owner, declaredBytes: null), NewJob("j_stale", owner, declaredBytes: null));
                await db.SaveChangesAsync();
            }

            using var commands = new CommandsOfThisTrace();
            var (decisions, afterRelease) = await PostgreSqlSchemas.WithWriterAsync(connectionString, async writer =>
            {
                var acceptance = await AcceptanceAsync(writer, quotas);
                // Read as POST /jobs reads them; then j_stale is canceled by another write before its submission's.
                var read = new Dictionary<string, Job>();
                foreach (var id in Submitted)
                {
                    read[id] = (await writer.WriteAsync((db, cancellationToken) => JobLookup.ForStatementAsync(db, id, cancellationToken), CancellationToken.None))!;
                }

                await writer.WriteAsync(async (db, cancellationToken) =>
                {
                    Assert.Equal(CancelOutcome.Canceled, (await JobLookup.ForChangeAsync(db, "j_stale", cancellationToken))!.Cancel(Created.AddMinutes(1)));
                    return await db.SaveChangesAsync(cancellationToken);
                }, CancellationToken.None);

                var held = new LaneHolder(writer, owner);
                await held.StartedAsync();
                Task<UploadDecision> Submit(string id, long size, Func<JobsDbContext, Job, string?>? withSubmission = null) => acceptance.SubmitAsync(
                    id, new StoredUpload(size, "\"etag\""), isFresh: true, traceParent: null, withSubmission, CancellationToken.None, read: read[id]);
                var submissions = new[]
                {
                    Submit("j_declared", 60), // declared: counted when made (65 with j_hooked's), not checked again
                    Submit("j_fits", 30), // 95
                    Submit("j_too_big", 11), // 106: refused
                    Submit("j_stale", 1), // canceled since it was read
                    Submit("j_hooked", 5, (db, job) =>
                    {
                        db.WebhookEndpoints.Add(new WebhookEndpoint
                        {
                            Id = "w_hooked", OwnerId = owner, JobId = job.Id, Url = "https://hooks.example/jobs", ProtectedSecret = "unused", CreatedAt = Created,
                        });
                        return "the endpoint's secret";
                    }),
                };
                var mark = commands.Mark();
                held.Release();
                var decisions = await Task.WhenAll(submissions).WaitAsync(TimeSpan.FromSeconds(60));
                return (decisions, commands.Since(mark));
            });

            Assert.Equal(
                [UploadOutcome.Submitted, UploadOutcome.Submitted, UploadOutcome.Refused, UploadOutcome.Moved, UploadOutcome.Submitted],
                decisions.Select(decision => decision.Outcome));
            var refused = decisions[2].Problem!;
            Assert.Equal((413, 95L), (refused.StatusCode, (long)refused.ProblemDetails.Extensions["current"]!));
            Assert.Equal("the endpoint's secret", decisions[4].WebhookSecret);

            await using var check = PostgreSqlSchemas.ContextAt(connectionString);
            var statuses = await check.Jobs.ToDictionaryAsync(job => job.Id, job => job.Status);
            Assert.Equal(
                (JobStatus.Pending, JobStatus.Pending, JobStatus.AwaitingUpload, JobStatus.Canceled, JobStatus.Pending),
                (statuses["j_declared"], statuses["j_fits"], statuses["j_too_big"], statuses["j_stale"], statuses["j_hooked"]));
            Assert.Equal(["j_declared", "j_fits", "j_hooked"], await check.Outbox.OrderBy(message => message.JobId).Select(message => message.JobId).ToListAsync());
            Assert.Equal("w_hooked", (await check.WebhookEndpoints.SingleAsync()).Id);
            Assert.Equal(95L, (await check.AccountUsage.SingleAsync()).StoredBytes);
            var messages = await WrittenByAsync(check, "outbox");
            Assert.Single(messages.Select(row => row.TransactionId).Distinct());
            Assert.All(messages, row => Assert.StartsWith("WITH submitted AS (UPDATE", row.Query, StringComparison.Ordinal));

            // The group's locks (the account's, the jobs' rows), then its five statements, in one round trip; on its
            // connection besides: j_too_big's job and the totals read again (2), j_stale's job read again (1), and j_hooked's
            // endpoint saved (1). Without statements ahead, each statement would be a command of its own.
            var (group, onItsConnection) = TheOneWith(afterRelease, "WITH submitted AS");
            Assert.Equal(5, group.Count("WITH submitted AS"));
            Assert.Equal(5, group.Count("FOR NO KEY UPDATE"));
            Assert.Equal(1 + 2 + 1 + 1, onItsConnection);
        }
        finally
        {
            await PostgreSqlSchemas.DropAsync(connectionString);
        }
    }

    /// <summary>A create as <c>POST /upload/request</c> makes it: its statement ahead, and whether that wrote its row.</summary>
    private static async Task<(ProblemHttpResult? Refusal, bool? WroteAhead)> CreateAsync(DatabaseWriter writer, Job job, QuotaOptions quotas)
    {
        bool? seen = null;
        var refusal = await writer.WriteAsync(new WriteLocks(job.OwnerId!), db => JobCreation.StatementAhead(db, job, quotas), (db, wroteAhead, cancellationToken) =>
        {
            seen = wroteAhead;
            return JobCreation.WriteAsync(db, job, quotas, cancellationToken, wroteAhead);
        }, CancellationToken.None);
        return (refusal, seen);
    }

    /// <summary>
    /// The API's upload acceptance on <paramref name="writer"/>, with the system's storage: an upload refused is removed
    /// there (the test's keys name nothing stored, and removing nothing succeeds); the uploads are fresh, so never asked of it.
    /// </summary>
    private async Task<UploadAcceptance> AcceptanceAsync(DatabaseWriter writer, QuotaOptions quotas)
    {
        var uploads = Microsoft.Extensions.Options.Options.Create(new UploadOptions());
        var storage = StorageConnection.Parse(await system.App.GetConnectionStringAsync("storage") ?? throw new InvalidOperationException("Storage has no connection string."), "storage");
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        return new UploadAcceptance(
            writer, new VideoStorage(ObjectStorageExtensions.CreateClient(storage.Endpoint, storage), storage, uploads, TimeProvider.System),
            uploads, Microsoft.Extensions.Options.Options.Create(quotas), new OutboxSignal(), new JobMetrics(meters), TimeProvider.System,
            NullLogger<UploadAcceptance>.Instance);
    }

    /// <summary>A write of the account that holds its lane (touching nothing) until released: the writes queued meanwhile make one group.</summary>
    private sealed class LaneHolder
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task<int> _holding;

        public LaneHolder(DatabaseWriter writer, string account) => _holding = writer.WriteAsync(new WriteLocks(account), async (_, cancellationToken) =>
        {
            _started.TrySetResult();
            await _release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return 0;
        }, CancellationToken.None);

        public Task StartedAsync() => _started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public void Release() => _release.TrySetResult();
    }

    /// <summary>
    /// The commands Npgsql sent in this test's trace, each one round trip (one activity per command or batch, its SQL the
    /// batch's statements joined), from the writer's lanes: a trace begun here, before the writer starts, is their parent's.
    /// </summary>
    private sealed class CommandsOfThisTrace : IDisposable
    {
        private readonly Activity _trace = new Activity("statements-ahead-test").Start();
        private readonly ActivityListener _listener;
        private readonly ConcurrentQueue<SentCommand> _sent = [];

        public CommandsOfThisTrace()
        {
            var trace = _trace.TraceId;
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref options) => options.Parent.TraceId == trace ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
                ActivityStopped = activity => _sent.Enqueue(new SentCommand(
                    activity.GetTagItem("db.query.text") as string ?? "", Convert.ToInt64(activity.GetTagItem("db.npgsql.connection_id"), System.Globalization.CultureInfo.InvariantCulture))),
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>How many were sent so far: a mark for <see cref="Since"/>.</summary>
        public int Mark() => _sent.Count;

        public List<SentCommand> Since(int mark) => [.. _sent.Skip(mark)];

        public void Dispose()
        {
            _listener.Dispose();
            _trace.Stop();
        }
    }

    /// <param name="Sql">The command's SQL, or a batch's statements joined.</param>
    /// <param name="Connection">The id of the connection (Npgsql's) it went on.</param>
    private sealed record SentCommand(string Sql, long Connection)
    {
        public int Count(string fragment) => (Sql.Length - Sql.Replace(fragment, "", StringComparison.Ordinal).Length) / fragment.Length;
    }

    /// <summary>The one command of <paramref name="sent"/> holding <paramref name="fragment"/>, and how many of the commands on its connection it is one of.</summary>
    private static (SentCommand Command, int OnItsConnection) TheOneWith(List<SentCommand> sent, string fragment)
    {
        var command = Assert.Single(sent, command => command.Sql.Contains(fragment, StringComparison.Ordinal));
        return (command, sent.Count(other => other.Connection == command.Connection));
    }

    /// <summary>The statements that wrote <paramref name="table"/>'s rows, and their transactions.</summary>
    private static Task<List<WrittenRow>> WrittenByAsync(JobsDbContext db, string table) =>
        db.Database.SqlQuery<WrittenRow>($"SELECT query AS \"Query\", transaction_id AS \"TransactionId\" FROM written_by WHERE row_of = {table}").ToListAsync();

    private sealed record WrittenRow(string Query, long TransactionId);

    /// <summary>An account of this test's own: the accounts' locks are the server's, shared with the system and every test.</summary>
    private static string NewAccount() => $"ahead-test-{Guid.NewGuid():N}";

    private static Job NewJob(string id, string ownerId, long? declaredBytes) =>
        Job.Create(id, "clip.mp4", "video/mp4", $"in/{id}.mp4", Created, Created.AddMinutes(10), ownerId: ownerId, declaredBytes: declaredBytes);
}
