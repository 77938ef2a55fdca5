using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using VideoConversion.Api.Data;
using VideoConversion.Api.Quotas;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// The database writer on the system's PostgreSQL server, where each write is a transaction of its own with no savepoint
/// (a write undone is its whole transaction undone, and one run again runs in a new one), or one of a group of an
/// account's writes, which runs alone when one of the group throws.
/// </summary>
[Collection(PostgreSqlSystem.Name)]
public sealed class WriterOnPostgreSqlTests(PostgreSqlSystemFixture system)
{
    [Theory]
    // What EF throws when a row it saves changed since it was read (another replica's write): run again in a new transaction.
    [InlineData("concurrent change")]
    // The server's answer to the transaction it chose to abort in a deadlock: run again on the lane's next turn.
    [InlineData("deadlock")]
    public async Task A_write_that_met_another_writer_runs_again_its_first_run_undone(string met)
    {
        await using var writer = await WriterAsync();
        var runs = 0;

        var answer = await writer.Writer.WriteAsync(async (db, cancellationToken) =>
        {
            var run = Interlocked.Increment(ref runs);
            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"run {run}"})", cancellationToken);
            return run == 1 ? throw Met(met) : run;
        }, CancellationToken.None);

        Assert.Equal(2, answer);
        Assert.Equal(["run 2"], await writer.PayloadsAsync());
    }

    private static Exception Met(string met) => met == "deadlock"
        ? new PostgresException("deadlock detected (the test's)", "ERROR", "ERROR", "40P01")
        : new DbUpdateConcurrencyException("Changed since it was read (the test's).");

    [Fact]
    public async Task A_failing_write_is_undone_whole_and_fails_alone_and_the_writes_beside_it_commit()
    {
        await using var writer = await WriterAsync();

        // Many at once over the writer's lanes, every tenth refused after its insert.
        var writes = Enumerable.Range(0, 100).Select(index => writer.Writer.WriteAsync(async (db, cancellationToken) =>
        {
            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"write {index}"})", cancellationToken);
            return index % 10 == 0 ? throw new InvalidOperationException($"Refused (the test's): {index}.") : index;
        }, CancellationToken.None)).ToList();
        await Task.WhenAll(writes).ContinueWith(_ => { }, TaskScheduler.Default);

        var refused = writes.Where(write => write.IsFaulted).ToList();
        Assert.Equal(10, refused.Count);
        Assert.All(refused, write => Assert.IsType<InvalidOperationException>(write.Exception!.InnerException));
        Assert.Equal(
            Enumerable.Range(0, 100).Where(index => index % 10 != 0).Select(index => $"write {index}").Order(StringComparer.Ordinal),
            (await writer.PayloadsAsync()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_accounts_writes_queued_together_commit_together()
    {
        await using var writer = await WriterAsync();
        var release = NewSignal();
        var account = new WriteLocks(NewAccount());

        // The first holds the account's lane until the others are queued behind it.
        var writes = Enumerable.Range(0, 50).Select(index => writer.Writer.WriteAsync(account, async (db, cancellationToken) =>
        {
            if (index == 0)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"write {index}"})", cancellationToken);
            return index;
        }, CancellationToken.None)).ToList();
        release.SetResult();

        Assert.Equal(Enumerable.Range(0, 50), await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(50, (await writer.PayloadsAsync()).Count);
        // One transaction per write without groups; here the first one's (with whatever joined it), and one for the rest.
        Assert.InRange(await writer.TransactionsAsync(), 1, 2);
    }

    [Fact]
    public async Task A_write_that_throws_in_a_group_fails_alone_and_the_groups_other_writes_commit()
    {
        await using var writer = await WriterAsync();
        using var undone = new UndoneGroups(writer.Meters);
        var release = NewSignal();
        var account = new WriteLocks(NewAccount());
        var runs = new int[20];

        var writes = Enumerable.Range(0, 20).Select(index => writer.Writer.WriteAsync(account, async (db, cancellationToken) =>
        {
            Interlocked.Increment(ref runs[index]);
            if (index == 0)
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"write {index}"})", cancellationToken);
            return index is 5 or 13 ? throw new InvalidOperationException($"Refused (the test's): {index}.") : index;
        }, CancellationToken.None)).ToList();
        release.SetResult();
        await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.Equal([5, 13], writes.Select((write, index) => (write, index)).Where(pair => pair.write.IsFaulted).Select(pair => pair.index));
        Assert.All(writes.Where(write => write.IsFaulted), write => Assert.IsType<InvalidOperationException>(write.Exception!.InnerException));
        Assert.Equal(
            Enumerable.Range(0, 20).Where(index => index is not (5 or 13)).Select(index => $"write {index}").Order(StringComparer.Ordinal),
            (await writer.PayloadsAsync()).Order(StringComparer.Ordinal));
        // Each refused write undid its group once and ran again alone; the others ran again together, not alone.
        Assert.Equal(2, undone.By(DatabaseMetrics.UndoneByWrite));
        Assert.Equal(0, undone.By(DatabaseMetrics.UndoneByLocks));
        Assert.Equal(2, runs[5]);
        Assert.Equal(2, runs[13]);
        Assert.InRange(await writer.TransactionsAsync(), 1, 2);
    }

    [Fact]
    public async Task Two_replicas_groups_over_the_same_accounts_in_opposite_orders_wait_for_each_other_without_a_deadlock()
    {
        // Two accounts on the same lane, so one group holds both; each write changes its account's row, as the triggers do.
        var first = NewAccount();
        var second = AccountOnTheLaneOf(first);
        await using var one = await WriterAsync();
        await using var other = await WriterAsync(replicaOf: one);
        using var undoneByOne = new UndoneGroups(one.Meters);
        using var undoneByOther = new UndoneGroups(other.Meters);
        await one.ExecuteAsync($"INSERT INTO totals (account, writes) VALUES ('{first}', 0), ('{second}', 0)");
        var release = NewSignal();
        var runs = 0;

        // Each replica's first write holds its lane until both have queued the rest behind it: each replica's rest then make
        // one group, and the two groups run at once.
        async Task<List<Task<int>>> QueueAsync(StartedWriter writer, string[] accounts)
        {
            var started = NewSignal();
            Task<int> Write(int index) => writer.Writer.WriteAsync(new WriteLocks(accounts[index % 2]), async (db, cancellationToken) =>
            {
                Interlocked.Increment(ref runs);
                if (index == 0)
                {
                    started.TrySetResult();
                    await release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
                }

                return await db.Database.ExecuteSqlAsync(
                    $"UPDATE totals SET writes = writes + 1 WHERE account = {accounts[index % 2]}", cancellationToken);
            }, CancellationToken.None);
            var holding = Write(0);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return [holding, .. Enumerable.Range(1, 39).Select(Write)];
        }

        var writes = (await QueueAsync(one, [first, second])).Concat(await QueueAsync(other, [second, first])).ToList();
        release.SetResult();

        Assert.All(await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60)), updated => Assert.Equal(1, updated));
        Assert.Equal(40, await one.ScalarAsync<int>($"SELECT writes FROM totals WHERE account = '{first}'"));
        Assert.Equal(40, await one.ScalarAsync<int>($"SELECT writes FROM totals WHERE account = '{second}'"));
        // A deadlock (of the accounts' locks, or of the rows had the locks not come first) would have undone a group.
        Assert.Equal(0, undoneByOne.By(DatabaseMetrics.UndoneByLocks) + undoneByOther.By(DatabaseMetrics.UndoneByLocks));
        Assert.Equal(0, undoneByOne.By(DatabaseMetrics.UndoneByWrite) + undoneByOther.By(DatabaseMetrics.UndoneByWrite));
        Assert.Equal(80, runs);
    }

    [Fact]
    public async Task A_group_takes_its_accounts_locks_in_the_order_of_their_keys_whatever_the_order_of_its_writes()
    {
        await using var writer = await WriterAsync();
        // Two accounts on one lane, the one queued first with the greater key.
        var low = NewAccount();
        var high = AccountOnTheLaneOf(low);
        (low, high) = KeyOf(low) < KeyOf(high) ? (low, high) : (high, low);

        // Another session holds the lower key: a group taking its locks in key order waits for it holding nothing.
        await using var holder = await HoldAsync(writer, KeyOf(low));
        var queue = new WritesBehindAHeldOne(writer);
        var holding = await queue.HoldLaneAsync(high);
        var writes = new[] { holding, queue.Write(high, 1), queue.Write(low, 2), queue.Write(high, 3) };
        queue.Release();

        // One look at the server's locks (one query): the group waiting for the lower key, and then nobody holding the higher.
        var seen = await WaitForAsync(() => AdvisoryLocksAsync(writer, waitingFor: KeyOf(low), heldOf: KeyOf(high)), locks => locks.Waiting == 1, "the group waiting for the lower key");
        Assert.Equal(0, seen.Held);
        await holder.DisposeAsync();

        Assert.Equal([high, high, low, high], await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(4, (await writer.PayloadsAsync()).Count);
    }

    [Fact]
    public async Task A_group_meeting_a_lock_held_elsewhere_commits_its_other_accounts_writes_while_the_held_accounts_wait()
    {
        await using var writer = await WriterAsync();
        using var undone = new UndoneGroups(writer.Meters);
        var held = NewAccount();
        var free = AccountOnTheLaneOf(held);
        await using var holder = await HoldAsync(writer, KeyOf(held));
        var queue = new WritesBehindAHeldOne(writer);
        var holding = await queue.HoldLaneAsync(free);
        // One group of both accounts: its locks are not granted within the writer's lock_timeout (5 s).
        var writes = new[] { queue.Write(free, 1), queue.Write(held, 2), queue.Write(free, 3), queue.Write(held, 4) };
        queue.Release();

        // The free account's writes commit while the lock is still held; the held account's are deferred, and wait for it.
        Assert.Equal([free, free], await Task.WhenAll(writes[0], writes[2]).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.False(writes[1].IsCompleted || writes[3].IsCompleted);
        Assert.InRange(undone.By(DatabaseMetrics.UndoneByLocks), 1, 3);
        Assert.Equal([$"{free} 0", $"{free} 1", $"{free} 3"], (await writer.PayloadsAsync()).Order(StringComparer.Ordinal));
        await holder.DisposeAsync();

        Assert.Equal([held, held], await Task.WhenAll(writes[1], writes[3]).WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(free, await holding);
        Assert.Equal(5, (await writer.PayloadsAsync()).Count);
    }

    [Fact]
    public async Task A_statement_the_writer_runs_again_and_again_is_prepared_on_its_connection()
    {
        await using var writer = await WriterAsync();
        var account = new WriteLocks(NewAccount());

        // One after another on the account's lane, which keeps its connection: more uses than Npgsql's 5 before it prepares.
        for (var index = 0; index < 8; index++)
        {
            var payload = $"write {index}";
            await writer.Writer.WriteAsync(account, (db, cancellationToken) =>
                db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({payload})", cancellationToken), CancellationToken.None);
        }

        var prepared = await writer.Writer.WriteAsync(account, (db, cancellationToken) =>
            db.Database.SqlQuery<string>($"SELECT statement AS \"Value\" FROM pg_prepared_statements").ToListAsync(cancellationToken), CancellationToken.None);
        Assert.Contains(prepared, statement => statement.Contains("INSERT INTO written", StringComparison.Ordinal));
        Assert.Equal(8, (await writer.PayloadsAsync()).Count);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A session of its own (not pooled: closing it ends the session) holding <paramref name="key"/>'s advisory lock.</summary>
    private static async Task<NpgsqlConnection> HoldAsync(StartedWriter writer, long key)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(writer.ConnectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({key})", connection);
            await take.ExecuteNonQueryAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static long KeyOf(string account) => AccountLock.KeyOf(account);

    /// <summary>In one look at the server's locks: sessions waiting for <paramref name="waitingFor"/>'s advisory lock, and holding <paramref name="heldOf"/>'s.</summary>
    private static async Task<(long Waiting, long Held)> AdvisoryLocksAsync(StartedWriter writer, long waitingFor, long heldOf)
    {
        static string Of(long key) => $"classid::bigint = {(key >> 32) & 0xFFFFFFFF} AND objid::bigint = {key & 0xFFFFFFFF}";
        var counts = await writer.ScalarAsync<long[]>(
            $"SELECT ARRAY[count(*) FILTER (WHERE NOT granted AND {Of(waitingFor)}), count(*) FILTER (WHERE granted AND {Of(heldOf)})] " +
            "FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1");
        return (counts[0], counts[1]);
    }

    /// <summary>The first of <paramref name="read"/>'s results that <paramref name="until"/> accepts, within 30 s.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T>> read, Func<T, bool> until, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var result = await read();
            if (until(result))
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not seen within 30 s: {what}.");
            await Task.Delay(50);
        }
    }

    /// <summary>An account of this test's own: the accounts' locks are the server's, shared with the system and every test.</summary>
    private static string NewAccount() => $"writer-test-{Guid.NewGuid():N}";

    /// <summary>Another new account whose writes go to the same account lane as <paramref name="account"/>'s (one in 4 does).</summary>
    private static string AccountOnTheLaneOf(string account) =>
        Enumerable.Range(0, 1000).Select(_ => NewAccount()).First(other => DatabaseWriter.AccountLaneOf(other) == DatabaseWriter.AccountLaneOf(account));

    /// <summary>
    /// Writes each inserting "{account} {index}" into the test's table: the first (<see cref="HoldLaneAsync"/>) holds its
    /// lane until <see cref="Release"/>, so the writes queued after it has started make one group, in the order queued.
    /// </summary>
    private sealed class WritesBehindAHeldOne(StartedWriter writer)
    {
        private readonly TaskCompletionSource _started = NewSignal();
        private readonly TaskCompletionSource _release = NewSignal();

        /// <summary>Queues the write that holds the lane, and returns it once it runs.</summary>
        public async Task<Task<string>> HoldLaneAsync(string account)
        {
            var holding = Write(account, 0);
            await _started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return holding;
        }

        public Task<string> Write(string account, int index) => writer.Writer.WriteAsync(new WriteLocks(account), async (db, cancellationToken) =>
        {
            if (index == 0)
            {
                _started.TrySetResult();
                await _release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            // As the API's writes do (a quota's check), whether or not its group took the lock already.
            await AccountLock.TakeAsync(db, account, cancellationToken);
            await db.Database.ExecuteSqlAsync($"INSERT INTO written (payload) VALUES ({$"{account} {index}"})", cancellationToken);
            return account;
        }, CancellationToken.None);

        public void Release() => _release.SetResult();
    }

    /// <summary>
    /// A writer started on a schema of its own in the system's PostgreSQL database, with its tables; or, as another replica
    /// would, on the schema of <paramref name="replicaOf"/>, a writer already started.
    /// </summary>
    private async Task<StartedWriter> WriterAsync(StartedWriter? replicaOf = null)
    {
        var connectionString = replicaOf?.ConnectionString ?? await PostgreSqlSchemas.NewAsync(system.App, "writer", """
            CREATE TABLE written (payload text NOT NULL, transaction_id bigint NOT NULL DEFAULT txid_current());
            CREATE TABLE totals (account text PRIMARY KEY, writes integer NOT NULL);
            """);
        var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var writer = PostgreSqlSchemas.WriterAt(connectionString, services.GetRequiredService<IMeterFactory>());
        var started = new StartedWriter(writer, connectionString, services);
        try
        {
            await writer.StartAsync(CancellationToken.None);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    /// <param name="connectionString">The writer's: its own schema, removed with it, whatever the test left in it.</param>
    private sealed class StartedWriter(DatabaseWriter writer, string connectionString, ServiceProvider services) : IAsyncDisposable
    {
        public DatabaseWriter Writer => writer;

        public string ConnectionString => connectionString;

        /// <summary>The writer's meters' factory: its measurements, not another writer's.</summary>
        public IMeterFactory Meters => services.GetRequiredService<IMeterFactory>();

        /// <summary>How many transactions committed the table's rows.</summary>
        public Task<int> TransactionsAsync() => ScalarAsync<int>("SELECT count(DISTINCT transaction_id)::integer FROM written");

        public Task ExecuteAsync(string sql) => PostgreSqlSchemas.ExecuteAsync(connectionString, sql);

        /// <summary>The first column of the first row of <paramref name="sql"/>, read on a connection of its own.</summary>
        public async Task<T> ScalarAsync<T>(string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            return (T)(await command.ExecuteScalarAsync())!;
        }

        /// <summary>What the table holds, read on a connection of its own: what was committed.</summary>
        public async Task<List<string>> PayloadsAsync()
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT payload FROM written ORDER BY payload", connection);
            await using var reader = await select.ExecuteReaderAsync();
            List<string> payloads = [];
            while (await reader.ReadAsync())
            {
                payloads.Add(reader.GetString(0));
            }

            return payloads;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
                writer.Dispose();
                await services.DisposeAsync();
            }
            finally
            {
                await PostgreSqlSchemas.DropAsync(connectionString);
            }
        }
    }
}
