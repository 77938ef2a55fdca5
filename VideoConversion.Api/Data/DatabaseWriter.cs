using System.Diagnostics;
using System.Threading.Channels;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.Api.Data;

/// <summary>
/// Group commit: every hot write of the API goes through the writer, which takes whatever writes are waiting and commits
/// them in one transaction, so one fsync makes a whole batch durable instead of one per request (SQLite). Each write runs in a
/// savepoint of its own, so one that fails (a concurrency conflict, a constraint) is undone alone and fails alone, and
/// a caller hears of its write only once the batch is on disk: on SQLite after the log's flush that follows its COMMIT
/// (<see cref="LogFlusher"/>, overlapping the next batch), on PostgreSQL when its COMMIT returns (<c>synchronous_commit</c>).
/// A crash mid-batch loses only writes nobody was answered for.
/// </summary>
/// <remarks>
/// The hot writes are commands (<see cref="WriteAsync{T}(Func{JobsDbContext, CancellationToken, Task{T}}, CancellationToken)"/>) that read and write in the batch itself, on the writer's
/// connection: a check and the write it allows (a quota) are one step, with no lock held across a request, and they never
/// conflict with one another. Rarer writes (cancel, most of the sweeper's, Identity's account changes) still save on their own
/// under <see cref="DatabaseWriteGate"/>, which the writer holds for each batch, so on SQLite the two kinds never
/// interleave (on PostgreSQL the gate lets every writer through, and the database orders them).
/// On PostgreSQL the writer runs <see cref="PostgreSqlLanes"/> lanes, each a connection committing one write per
/// transaction (so without a savepoint: <see cref="CommitOneAsync"/>): the server runs them side by side (and flushes their
/// commits together), row locks and the account's advisory lock order what must be ordered, as they do between replicas.
/// The hot writes that name what they lock (<see cref="WriteLocks"/>: the upload requests and <c>POST /jobs</c>' submissions)
/// go instead to one of <see cref="AccountLanes"/> lanes, always the same for an account, which commits them in groups
/// with the group's locks taken first, in one order (<see cref="CommitAccountsTogetherAsync"/> says why).
/// </remarks>
public sealed partial class DatabaseWriter(
    DatabaseWriteGate gate, DatabaseWriterOptions options, WebhookSignal webhooks, DatabaseMetrics metrics, ILogger<DatabaseWriter> logger)
    : BackgroundService
{
    /// <summary>Writes per transaction at most: a batch stays short, so the first write of it waits little for the last.</summary>
    private const int MaxBatch = 256;

    /// <summary>
    /// Writers at once on PostgreSQL. One write per transaction (see <see cref="ExecuteAsync"/>) on one connection would
    /// make every request wait for the round trips of all before it; a few connections keep the server busy while the
    /// account's lock and the rows' locks still order the writes that touch the same things. Well within Npgsql's pool (100).
    /// </summary>
    private const int PostgreSqlLanes = 8;

    /// <summary>
    /// Lanes for accounts' writes on PostgreSQL, an account always on the same one (by its lock's key). One account's writes
    /// run one after another however many lanes take them (its lock, and its totals' row, which every such write changes),
    /// so they are queued on one lane, where they wait together and commit as a group; other accounts' run beside it.
    /// The lanes' connections, <see cref="PostgreSqlLanes"/> + this, are a pool of their own (<see cref="JobDatabase"/>),
    /// which the AppHost's max_connections counts per replica (JobDatabaseResources): a change here is a change there.
    /// </summary>
    private const int AccountLanes = 4;

    /// <summary>SQLite in WAL mode: flushes the log of the batches committed without syncing it (set when the lane connects).</summary>
    private volatile LogFlusher? _flusher;

    /// <summary>The log of the writer's current SQLite connection, which the flusher flushes; null between connections.</summary>
    private volatile WriteAheadLog? _log;

    /// <summary>SQLite with the log flushed by the writer: the checkpoints, off the lane.</summary>
    private WalCheckpointer? _checkpointer;

    private readonly Channel<IWrite> _writes = NewQueue(singleReader: false);

    /// <summary>The queues of the account lanes (PostgreSQL); none on SQLite, where one lane takes every write.</summary>
    private readonly Channel<IWrite>[] _accountWrites =
        options.Database.IsPostgreSql ? [.. Enumerable.Range(0, AccountLanes).Select(_ => NewQueue(singleReader: true))] : [];

    private static Channel<IWrite> NewQueue(bool singleReader) => Channel.CreateBounded<IWrite>(new BoundedChannelOptions(4096)
    {
        SingleReader = singleReader,
        // Back-pressure: past this many waiting writes, callers wait to enqueue.
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>
    /// Runs <paramref name="command"/> inside the next batch with a context of the writer's own (its reads see every
    /// write committed or earlier in the batch; its SaveChangesAsync saves into the batch), and returns its result once
    /// the batch is committed and on disk. A command that throws is undone and its exception is this call's.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<JobsDbContext, CancellationToken, Task<T>> command, CancellationToken cancellationToken) =>
        WriteAsync(locks: null, command, cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync{T}(Func{JobsDbContext, CancellationToken, Task{T}}, CancellationToken)"/>, for a write that
    /// locks what <paramref name="locks"/> names and nothing more of other accounts or jobs: on PostgreSQL it commits in a
    /// group with the account's other such writes instead of alone. Null is a write that names nothing (it commits alone).
    /// Should another write of its group throw, the group is undone and <paramref name="command"/> runs again, though its
    /// first run succeeded: what it does outside the database must bear that, as it must bear a run again after a conflict.
    /// </summary>
    public Task<T> WriteAsync<T>(WriteLocks? locks, Func<JobsDbContext, CancellationToken, Task<T>> command, CancellationToken cancellationToken) =>
        WriteAsync(locks, ahead: null, (db, _, cancellation) => command(db, cancellation), cancellationToken);

    /// <summary>
    /// As <see cref="WriteAsync{T}(WriteLocks?, Func{JobsDbContext, CancellationToken, Task{T}}, CancellationToken)"/>, for a
    /// write whose statement can be sent ahead of it: on PostgreSQL, in a group, <paramref name="ahead"/>'s command (built
    /// without touching the database) goes in the round trip that takes the group's locks, after them, and
    /// <paramref name="command"/> is told whether it wrote a row; it then only finishes the write (or decides again,
    /// should it have written nothing). Why: the lane runs an account's writes one after another, so every round trip inside
    /// the group is waited for by every write behind it; with their statements ahead, a group of creates or submissions
    /// is two round trips (locks and statements, commit) however many it holds, where it was two plus one per write.
    /// </summary>
    /// <param name="ahead">
    /// The write's statement, as the write would run it itself minus the account's lock (the group holds it): one
    /// statement that writes (an INSERT, UPDATE or DELETE, whose count of rows says whether it wrote), its parameters
    /// Npgsql's, which the group takes from the command; null when it has none to send ahead this time. Called before each
    /// run of a group, so called again after a group is undone: what it consumed then must not be relied on by the run
    /// that follows. The group runs every statement ahead before any write's command, so a write that decides again
    /// does so after the statements of the writes queued with it.
    /// </param>
    /// <param name="command">
    /// The write, told whether the statement sent ahead in this very run wrote a row (its count of rows, as the server
    /// gave it, above zero); null when nothing was sent ahead in this run (SQLite, a write run alone, a null statement), so
    /// it writes everything itself. Once its statement went ahead, it runs with no cancellation: it finishes what the
    /// statement began, and a caller gone meanwhile must not undo the group.
    /// </param>
    public async Task<T> WriteAsync<T>(
        WriteLocks? locks, Func<JobsDbContext, DbCommand?>? ahead, Func<JobsDbContext, bool?, CancellationToken, Task<T>> command,
        CancellationToken cancellationToken)
    {
        // SQLite's one lane takes every write in its batches, whatever it locks: nothing of it is kept.
        var write = locks is not null && _accountWrites.Length > 0
            ? new Command<T>(command, ahead, AccountLock.KeyOf(locks.AccountId), locks.JobId, cancellationToken)
            : new Command<T>(command, ahead: null, accountLock: null, jobLock: null, cancellationToken);
        await QueueOf(write).Writer.WriteAsync(write, cancellationToken);
        return await write.Result;
    }

    /// <summary>The write's queue: its account's lane on PostgreSQL, the shared one otherwise.</summary>
    private Channel<IWrite> QueueOf(IWrite write) => write.AccountLock is { } key ? _accountWrites[AccountLaneOf(key)] : _writes;

    /// <summary>The account lane that commits <paramref name="accountId"/>'s writes on PostgreSQL (the same in every replica).</summary>
    internal static int AccountLaneOf(string accountId) => AccountLaneOf(AccountLock.KeyOf(accountId));

    private static int AccountLaneOf(long accountLock) => (int)((ulong)accountLock % AccountLanes);

    /// <summary>
    /// Returns once everything committed before the call is on disk: at once on PostgreSQL, after the next flush of the
    /// log on SQLite. What reads the database and then acts outside it (publishes a message, sends a webhook) waits for
    /// this between the two, so it never acts on a write that a power loss could still undo.
    /// </summary>
    public Task FlushedAsync(CancellationToken cancellationToken)
    {
        if (_flusher is not { } flusher)
        {
            return Task.CompletedTask;
        }

        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Once the flusher has stopped: when its last flush is over (never, should a flush have failed).
        return (flusher.Enqueue(flushed.SetResult, isBatch: false) ? flushed.Task : flusher.Stopped).WaitAsync(cancellationToken);
    }

    /// <summary>Stops taking writes, and commits those already queued (their callers are waiting) before it returns.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _writes.Writer.TryComplete();
        foreach (var queue in _accountWrites)
        {
            queue.Writer.TryComplete();
        }

        if (!options.Database.IsPostgreSql)
        {
            // The requests are over (the server stops first): their read connections' files are let go with the writer's.
            SqliteReadConnections.Close(options.Database.ConnectionString);
        }

        if (ExecuteTask is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await base.StopAsync(cancellationToken);
    }

    /// <summary>
    /// The writer's lanes: one on SQLite, committing every write in batches; on PostgreSQL <see cref="PostgreSqlLanes"/>
    /// committing one write per transaction, and one per account queue committing its writes in groups.
    /// </summary>
    /// <param name="stoppingToken">Not used: stopping is <see cref="StopAsync"/>'s, which drains the channels first.</param>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // PostgreSQL: one write per transaction on the shared queue. A batch holds every row it wrote (and, through the
            // triggers, the account's totals) until its commit; two replicas' batches of any writes then deadlock on each
            // other (measured: the 200-submission test over two replicas failed on it, deferral or not), while single
            // writes lock in one order and never do. The server commits concurrent transactions together on its own, from
            // this replica's lanes and the others'. An account lane's groups take their accounts' locks first, in one order.
            var lanes = options.Database.IsPostgreSql
                ? Enumerable.Range(0, PostgreSqlLanes).Select(_ => RunLaneAsync(_writes.Reader, maxBatch: 1))
                    .Concat(_accountWrites.Select(queue => RunLaneAsync(queue.Reader, MaxBatch)))
                : [RunLaneAsync(_writes.Reader, MaxBatch)];
            await Task.WhenAll(lanes);
        }
        finally
        {
            // The lanes' last batches are committed: their writes are answered once the log is flushed.
            if (_flusher is not null)
            {
                await _flusher.StopAsync();
            }

            _checkpointer?.Dispose();
        }
    }

    /// <summary>One connection committing batches from <paramref name="writes"/> until it is completed (StopAsync) and drained.</summary>
    private async Task RunLaneAsync(ChannelReader<IWrite> writes, int maxBatch)
    {
        var lane = new Lane();
        List<IWrite> batch = new(maxBatch);
        try
        {
            // Runs until the channel is completed (StopAsync) and drained: queued writes are committed, not dropped.
            while (true)
            {
                batch.Clear();
                // Writes deferred by the last batch first: they waited longest.
                while (batch.Count < maxBatch && lane.Deferred.TryDequeue(out var deferred))
                {
                    batch.Add(deferred);
                }

                if (batch.Count == 0)
                {
                    try
                    {
                        // A write is handed to one waiting lane, not announced to every lane as waiting to read would be.
                        batch.Add(await writes.ReadAsync(CancellationToken.None));
                    }
                    catch (ChannelClosedException)
                    {
                        break; // completed, and nothing left in it
                    }
                }

                while (batch.Count < maxBatch && writes.TryRead(out var write))
                {
                    batch.Add(write);
                }

                try
                {
                    lane.Connection ??= await OpenAsync(lane, CancellationToken.None);
                    await CommitAsync(lane, batch);
                }
                catch (Exception exception)
                {
                    // The database itself failed (it cannot be opened, the disk is full): every write of the batch hears so
                    // (one already answered keeps its answer), and the next batch starts on a new connection.
                    LogBatchFailed(logger, exception, batch.Count);
                    lane.Deferred.Clear(); // this batch's, failed with it below
                    foreach (var write in batch)
                    {
                        write.Fail(exception);
                    }

                    await CloseAsync(lane);

                    // A pause, so a failure that persists does not spin.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                }
            }
        }
        finally
        {
            await CloseAsync(lane);
        }
    }

    /// <summary>
    /// The lane's connection closed, after the batches it committed are flushed: its log's handle goes with it, and a
    /// flush meanwhile has nothing of this connection's left to make durable.
    /// </summary>
    private async Task CloseAsync(Lane lane)
    {
        if (_log is { } log)
        {
            await FlushedAsync(CancellationToken.None);
            _log = null;
            log.Dispose();
        }

        if (lane.Context is not null)
        {
            await lane.Context.DisposeAsync();
            lane.Context = null;
        }

        if (lane.Connection is not null)
        {
            await lane.Connection.DisposeAsync();
            lane.Connection = null;
        }
    }

    /// <summary>A writer's connection, the context its writes run in, and the writes its last batch deferred.</summary>
    private sealed class Lane
    {
        public DbConnection? Connection { get; set; }

        public DbContextOptions? ContextOptions { get; set; }

        /// <summary>The context the lane's writes run in (<see cref="NewContext"/>), made at its first batch.</summary>
        public JobsDbContext? Context { get; set; }

        /// <summary>Writes a deadlock sent to the next batch, run before the channel's.</summary>
        public Queue<IWrite> Deferred { get; } = new();
    }

    private async Task<DbConnection> OpenAsync(Lane lane, CancellationToken cancellationToken)
    {
        var connection = options.Database.NewConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (options.Database.WriterConnectionSetup is { } setup)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = setup;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            // SQLite has one lane, so one flusher, kept across reconnections; each connection brings its log's handle.
            if (await options.Database.DeferLogSyncAsync(connection, cancellationToken) is { } log)
            {
                _log = log;
                _flusher ??= new LogFlusher(() => _log?.Flush(), Environment.FailFast, metrics, logger);
                _checkpointer ??= new WalCheckpointer(options.Database.ConnectionString, metrics, logger);
                LogFlushingTheLog(logger, log.Path);
            }
            else if (!options.Database.IsPostgreSql)
            {
                LogSyncingEachCommit(logger);
            }

            lane.ContextOptions = options.ContextOptions(connection);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The lane's context, kept from batch to batch on its connection and emptied after each write. Making one per batch
    /// (EF resolves a context's services on its first use) was 3.5 % of the API's CPU while it took submissions, on the
    /// lane every write waits for. It goes with the connection (<see cref="CloseAsync"/>), after a failed batch too.
    /// </summary>
    private JobsDbContext NewContext(Lane lane)
    {
        var db = options.Database.NewContext(lane.ContextOptions!, DatabaseWriteGate.HeldByWriter);
        // Each write has a savepoint or, on PostgreSQL, a transaction of its own already; EF's inside it would only add statements.
        db.Database.AutoSavepointsEnabled = false;
        return db;
    }

    /// <summary>One transaction for the batch; throws when the transaction itself fails (nothing of it is then committed).</summary>
    private async Task CommitAsync(Lane lane, List<IWrite> batch)
    {
        if (options.Database.IsPostgreSql)
        {
            await (batch is [var only] ? CommitOneAsync(lane, only) : CommitAccountsTogetherAsync(lane, batch));
            return;
        }

        var started = Stopwatch.GetTimestamp();
        List<IWrite> done = new(batch.Count);
        var announcesWebhooks = false;
        long committing;
        using (await gate.EnterAsync(CancellationToken.None))
        {
            await using var transaction = await options.Database.BeginWriteAsync(lane.Connection!, CancellationToken.None);
            var db = lane.Context ??= NewContext(lane);
            await db.Database.UseTransactionAsync(transaction);
            try
            {
                foreach (var write in batch)
                {
                    if (write.IsCanceled)
                    {
                        write.Fail(new OperationCanceledException("The caller gave up before its write ran."));
                        continue;
                    }

                    switch (await RunInSavepointAsync(transaction, db, write))
                    {
                        case WriteOutcome.Done:
                            announcesWebhooks |= write.AnnouncesWebhooks;
                            done.Add(write);
                            break;
                        case WriteOutcome.Deferred:
                            lane.Deferred.Enqueue(write);
                            break;
                    }
                }

                committing = Stopwatch.GetTimestamp();
                await transaction.CommitAsync();
            }
            finally
            {
                // The context outlives the transaction; it must not hold on to one that is over.
                await db.Database.UseTransactionAsync(null);
            }
        }

        metrics.Committed(done.Count, Stopwatch.GetElapsedTime(started).TotalSeconds, Stopwatch.GetElapsedTime(committing).TotalSeconds);
        if (_flusher is { } flusher)
        {
            var handedOver = flusher.Enqueue(() => Acknowledge(done, announcesWebhooks), isBatch: true);
            Debug.Assert(handedOver, "The flusher stops after the lanes.");
        }
        else
        {
            Acknowledge(done, announcesWebhooks);
        }
    }

    /// <summary>A batch committed and on disk: only now is anyone answered.</summary>
    private void Acknowledge(List<IWrite> done, bool announcesWebhooks)
    {
        foreach (var write in done)
        {
            write.Complete();
        }

        // Recorded deliveries are announced once they are on disk: a dispatcher woken earlier would not see them, or
        // would wait for the flush anyway (FlushedAsync).
        if (announcesWebhooks)
        {
            webhooks.Notify();
        }
    }

    /// <summary>
    /// One write in a savepoint of its own: kept, undone and failed alone, or undone and deferred to the next batch.
    /// A write that met another writer's change of the same row (an optimistic concurrency conflict: another lane or API
    /// replica committed first) is run again on what is committed now, a few times, as a client would retry
    /// it: it reads the other's result and decides afresh (a job already submitted is answered as it is). A write that
    /// deadlocked with another replica's batch (the server aborted it) cannot succeed in this batch, which still holds
    /// the locks the other waits for: it runs again first in the next batch, after this one's commit released them.
    /// On SQLite one lane serves the database, so neither happens; on PostgreSQL, a transaction holds one write
    /// (<see cref="CommitOneAsync"/>, which handles both the same way without a savepoint) or a group of accounts' writes
    /// (<see cref="CommitAccountsTogetherAsync"/>, which runs them alone when one throws). They stay handled here for a
    /// batch of several writes beside other writers, should a database ever have both.
    /// </summary>
    private static async Task<WriteOutcome> RunInSavepointAsync(DbTransaction transaction, JobsDbContext db, IWrite write)
    {
        for (var run = 1; ; run++)
        {
            await transaction.SaveAsync("write");
            try
            {
                await write.RunAsync(db, wroteAhead: null);
                write.AnnouncesWebhooks = RecordedDeliveries(db);
            }
            catch (Exception exception)
            {
                // Undone alone. Should undoing it fail, the database has rolled the whole transaction back, and the batch
                // fails as a whole (the caller's catch).
                await transaction.RollbackAsync("write");
                await transaction.ReleaseAsync("write");
                if (exception is DbUpdateConcurrencyException && run < MaxConflictRuns)
                {
                    continue;
                }

                if (IsLockConflict(exception) && ++write.Deferrals <= MaxDeferrals)
                {
                    return WriteOutcome.Deferred;
                }

                write.Fail(exception);
                return WriteOutcome.Failed;
            }
            finally
            {
                db.ChangeTracker.Clear();
            }

            await transaction.ReleaseAsync("write");
            return WriteOutcome.Done;
        }
    }

    /// <summary>Whether the write's saves recorded webhook deliveries (the recorder adds them with Add).</summary>
    private static bool RecordedDeliveries(JobsDbContext db) => TrackedEntries.Any<WebhookDelivery>(db, _ => true);

    private enum WriteOutcome
    {
        Done,
        Failed,
        Deferred,
    }

    /// <summary>How often a write may be sent to the next batch before it fails: a deadlock that keeps coming is not luck.</summary>
    private const int MaxDeferrals = 3;

    /// <summary>
    /// PostgreSQL: a deadlock between two replicas' batches (the server aborts one), a serialization failure or a lock not
    /// granted in time. EF wraps the server's error (in a DbUpdateException, and that in "likely due to a transient
    /// failure" when no retrying strategy is set), so the chain is searched.
    /// </summary>
    private static bool IsLockConflict(Exception exception)
    {
        for (Exception? cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is PostgresException { SqlState: "40P01" or "40001" or "55P03" })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The exception without the statement Npgsql put on it (<see cref="NpgsqlException.BatchCommand"/>, which the writer's
    /// connections ask for: <see cref="JobDatabase"/>): its parameters (a job's names, an account's) go no further than the writer.
    /// </summary>
    private static Exception WithoutStatement(Exception exception)
    {
        for (Exception? cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (cause is NpgsqlException npgsql)
            {
                npgsql.BatchCommand = null;
            }
        }

        return exception;
    }

    /// <summary>How often a write that met a concurrent change runs: enough for a burst on one job, few enough to end.</summary>
    private const int MaxConflictRuns = 3;

    private interface IWrite
    {
        bool IsCanceled { get; }

        /// <summary>Whether its last run recorded webhook deliveries (announced once the batch is committed).</summary>
        bool AnnouncesWebhooks { get; set; }

        /// <summary>How often it was sent to the next batch.</summary>
        int Deferrals { get; set; }

        /// <summary>PostgreSQL: the key of the lock of the one account whose totals it checks or changes (<see cref="WriteLocks"/>).</summary>
        long? AccountLock { get; }

        /// <summary>PostgreSQL: the job whose row it updates (<see cref="WriteLocks"/>).</summary>
        string? JobLock { get; }

        /// <summary>Its statement to send ahead in its group's first round trip (PostgreSQL), or null (<see cref="WriteAsync{T}(WriteLocks?, Func{JobsDbContext, DbCommand?}?, Func{JobsDbContext, bool?, CancellationToken, Task{T}}, CancellationToken)"/>).</summary>
        DbCommand? StatementAhead(JobsDbContext db);

        /// <param name="db">The lane's context, on its connection and the batch's transaction, empty.</param>
        /// <param name="wroteAhead">Whether the statement sent ahead in this run wrote a row; null when none was sent.</param>
        Task RunAsync(JobsDbContext db, bool? wroteAhead);

        void Complete();

        void Fail(Exception exception);
    }

    private sealed class Command<T>(
        Func<JobsDbContext, bool?, CancellationToken, Task<T>> command, Func<JobsDbContext, DbCommand?>? ahead, long? accountLock, string? jobLock,
        CancellationToken cancellationToken) : IWrite
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _value;

        public Task<T> Result => _result.Task;

        public bool IsCanceled => cancellationToken.IsCancellationRequested;

        public bool AnnouncesWebhooks { get; set; }

        public int Deferrals { get; set; }

        public long? AccountLock => accountLock;

        public string? JobLock => jobLock;

        public DbCommand? StatementAhead(JobsDbContext db) => ahead?.Invoke(db);

        // A write whose statement went ahead has written, or decided, in its group: it runs to its end whether or not its
        // caller still waits, so a caller giving up meanwhile does not undo the group it is in.
        public async Task RunAsync(JobsDbContext db, bool? wroteAhead) =>
            _value = await command(db, wroteAhead, wroteAhead is null ? cancellationToken : CancellationToken.None);

        public void Complete() => _result.TrySetResult(_value!);

        public void Fail(Exception exception) => _result.TrySetException(WithoutStatement(exception));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The database writer commits without syncing and flushes the write-ahead log {Log} itself before it answers")]
    private static partial void LogFlushingTheLog(ILogger logger, string log);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job database is not in WAL mode, or its write-ahead log was not found: each of the writer's commits syncs itself (synchronous=FULL), and the disk's wait holds the writer")]
    private static partial void LogSyncingEachCommit(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Writes} database writes failed; nothing of it was committed, and each caller is told")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int writes);
}
