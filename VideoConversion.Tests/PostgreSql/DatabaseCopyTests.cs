using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// Moving a SQLite deployment to PostgreSQL with the documented command (scripts/manage database copy): a database with
/// an account, its key and jobs finished and unfinished arrives whole, each job in its state, and the totals quotas read
/// are right from the first request.
/// </summary>
[Collection(PostgreSqlSystem.Name)]
public sealed class DatabaseCopyTests(PostgreSqlSystemFixture system) : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-copy-");

    /// <summary>The connection strings of the schemas the test made, dropped after it: the system's database is shared by the collection's tests.</summary>
    private readonly List<string> _schemas = [];

    [Fact]
    public async Task The_copy_command_moves_a_populated_sqlite_database_and_every_job_keeps_its_state()
    {
        var sqlite = $"Data Source={Path.Combine(_work.FullName, "jobs.db")}";
        var sqliteEnvironment = new Dictionary<string, string?> { ["ConnectionStrings__jobs"] = sqlite };
        await ManageAsync(sqliteEnvironment, 0, "users", "create", "dora");
        await ManageAsync(sqliteEnvironment, 0, "keys", "create", "nightly", "--user", "dora");
        var expected = await AddJobsOfEveryStateAsync(sqlite, "dora");
        // A webhook secret as the SQLite deployment keeps it: protected with the key ring in its keys directory.
        var keys = Directory.CreateDirectory(Path.Combine(_work.FullName, "keys"));
        var secret = WebhookSecrets.Generate();
        var protectedSecret = new WebhookSecrets(DataProtectionProvider.Create(keys, ring => ring.SetApplicationName(ApplicationName))).Protect(secret);

        // The target: an empty schema of the system's PostgreSQL database, as a new database would be.
        var target = await EmptySchemaAsync();
        var postgreSqlEnvironment = new Dictionary<string, string?> { ["ConnectionStrings__jobs"] = target, ["Database__Provider"] = "PostgreSQL" };
        // As an API's first start leaves it (the AppHost runs its PostgreSQL server only with the API): one administrator,
        // and a key ring of one key.
        await ManageAsync(postgreSqlEnvironment, 0, "users", "create", "admin", "--admin");
        KeyRingOf(target).Protect("a secret of the API's first start");
        var copy = await ManageAsync(postgreSqlEnvironment, 0, "database", "copy", "--from", sqlite, "--keys", keys.FullName);
        Assert.Contains("jobs: 5 rows", copy, StringComparison.Ordinal);
        Assert.Contains("first administrator 'admin'", copy, StringComparison.Ordinal);
        // The key ring came along: the API on PostgreSQL reads the secret the SQLite deployment protected.
        Assert.Equal(secret, KeyRingOf(target).Unprotect(protectedSecret));

        await using var copied = new NpgsqlConnection(target);
        await copied.OpenAsync();
        Assert.Equal(expected, await JobsAsync(copied));
        Assert.Equal(1L, await ScalarAsync(copied, """SELECT count(*) FROM api_keys"""));
        // The target's administrator gave way to the source's accounts: dora alone.
        Assert.Equal(1L, await ScalarAsync(copied, """SELECT count(*) FROM "AspNetUsers" WHERE "UserName" = 'dora'"""));
        Assert.Equal(1L, await ScalarAsync(copied, """SELECT count(*) FROM "AspNetUsers" AS users"""));
        // The account's totals were made by PostgreSQL's triggers as its jobs arrived: the three active jobs.
        Assert.Equal(3L, await ScalarAsync(copied, """SELECT "ActiveJobs"::bigint FROM account_usage"""));
        // The unsent queue message of the pending job came along, to be published by the API on PostgreSQL.
        Assert.Equal(1L, await ScalarAsync(copied, """SELECT count(*) FROM outbox"""));

        // A second copy into a database that holds jobs is refused, and changes nothing.
        var again = await ManageAsync(postgreSqlEnvironment, 1, "database", "copy", "--from", sqlite);
        Assert.Contains("already holds jobs or accounts", again, StringComparison.Ordinal);
        Assert.Equal(expected, await JobsAsync(copied));
    }

    [Fact]
    public async Task A_source_of_one_administrator_copied_twice_is_refused_the_second_time_and_its_keys_stay_single()
    {
        var sqlite = $"Data Source={Path.Combine(_work.FullName, "admin-only.db")}";
        await ManageAsync(new Dictionary<string, string?> { ["ConnectionStrings__jobs"] = sqlite }, 0, "users", "create", "root", "--admin");
        var keys = Directory.CreateDirectory(Path.Combine(_work.FullName, "admin-only-keys"));
        var secret = WebhookSecrets.Generate();
        var protectedSecret = new WebhookSecrets(DataProtectionProvider.Create(keys, ring => ring.SetApplicationName(ApplicationName))).Protect(secret);
        var target = await EmptySchemaAsync();
        var postgreSqlEnvironment = new Dictionary<string, string?> { ["ConnectionStrings__jobs"] = target, ["Database__Provider"] = "PostgreSQL" };

        await ManageAsync(postgreSqlEnvironment, 0, "database", "copy", "--from", sqlite, "--keys", keys.FullName);
        // The target's one account is now the source's own administrator, not one an API made: a second copy is refused.
        var again = await ManageAsync(postgreSqlEnvironment, 1, "database", "copy", "--from", sqlite, "--keys", keys.FullName);
        Assert.Contains("already holds jobs or accounts", again, StringComparison.Ordinal);

        await using var copied = new NpgsqlConnection(target);
        await copied.OpenAsync();
        Assert.Equal(1L, await ScalarAsync(copied, """SELECT count(*) FROM data_protection_keys"""));
        Assert.Equal(secret, KeyRingOf(target).Unprotect(protectedSecret));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var connectionString in _schemas)
            {
                await PostgreSqlSchemas.DropAsync(connectionString);
            }
        }
        finally
        {
            _work.Delete(recursive: true);
        }
    }

    /// <summary>A new schema of the system's PostgreSQL database, as a new database would be; its connection string.</summary>
    private async Task<string> EmptySchemaAsync()
    {
        var connectionString = await PostgreSqlSchemas.NewAsync(system.App, "copy");
        _schemas.Add(connectionString);
        return connectionString;
    }

    /// <summary>The API's Data Protection name: keys of another name protect nothing the API can read.</summary>
    private const string ApplicationName = "VideoConversion.Api";

    /// <summary>Webhook secrets as the API on PostgreSQL reads them: with the key ring in the database's data_protection_keys.</summary>
    private static WebhookSecrets KeyRingOf(string target)
    {
        var services = new ServiceCollection();
        services.AddSingleton<DatabaseWriteGate>();
        services.AddDbContext<JobsDbContext, PostgreSqlJobsDbContext>(options => options.UseNpgsql(target));
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<JobsDbContext>();
        var provider = services.BuildServiceProvider();
        return new WebhookSecrets(provider.GetRequiredService<IDataProtectionProvider>());
    }

    /// <summary>Five jobs of the account, as a deployment's would be: waiting for its upload, pending, processing, done and failed.</summary>
    private static async Task<SortedDictionary<string, string>> AddJobsOfEveryStateAsync(string sqlite, string userName)
    {
        var options = new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(sqlite).Options;
        await using var db = new JobsDbContext(options, new DatabaseWriteGate());
        var owner = (await db.Users.SingleAsync(user => user.UserName == userName)).Id;
        var now = DateTimeOffset.UtcNow;
        Job New(string name) => Job.Create(JobId.New(), name, "video/mp4", $"{name}.mp4", now, now.AddMinutes(10), ownerId: owner, declaredBytes: 1000);

        var awaiting = New("awaiting");
        var pending = New("pending");
        pending.Submit(1000, "\"etag\"", now);
        var processing = New("processing");
        processing.Submit(1000, "\"etag\"", now);
        processing.Apply(new JobReport(processing.Id, JobReportKind.Processing, 40, now.AddSeconds(1)));
        var done = New("done");
        done.Submit(1000, "\"etag\"", now);
        done.Apply(new JobReport(done.Id, JobReportKind.Processing, 50, now.AddSeconds(1)));
        done.Apply(new JobReport(done.Id, JobReportKind.Done, 100, now.AddSeconds(2), OutputBytes: 900, ConversionMethod: "remux"));
        var failed = New("failed");
        failed.Submit(1000, "\"etag\"", now);
        failed.Apply(new JobReport(failed.Id, JobReportKind.Failed, 0, now.AddSeconds(1), Error: "No video stream."));
        db.Jobs.AddRange(awaiting, pending, processing, done, failed);
        db.Outbox.Add(JobQueueing.Message(pending, pending.OutputFormat, now, null, 10_000));
        await db.SaveChangesAsync();

        await using var connection = new SqliteConnection(sqlite);
        await connection.OpenAsync();
        var jobs = await JobsAsync(connection);
        Assert.Equal(["AwaitingUpload", "Done", "Failed", "Pending", "Processing"], jobs.Values.Select(state => state.Split(' ')[0]).Order(StringComparer.Ordinal));
        return jobs;
    }

    /// <summary>Each job's id → its status, progress, output size and error: what a client reads of it.</summary>
    private static async Task<SortedDictionary<string, string>> JobsAsync(System.Data.Common.DbConnection connection)
    {
        await using var query = connection.CreateCommand();
        query.CommandText = """SELECT "Id", "Status", "Progress", "OutputBytes", "Error", "Attempts" FROM jobs""";
        var jobs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        await using var rows = await query.ExecuteReaderAsync();
        while (await rows.ReadAsync())
        {
            jobs[rows.GetString(0)] = $"{rows.GetString(1)} {rows.GetInt32(2)} {(rows.IsDBNull(3) ? "-" : rows.GetInt64(3))} {(rows.IsDBNull(4) ? "-" : rows.GetString(4))} {rows.GetInt32(5)}";
        }

        return jobs;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var query = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await query.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>scripts/manage, as an operator runs it; returns what it printed (both streams).</summary>
    private static async Task<string> ManageAsync(Dictionary<string, string?> environment, int expectedExit, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(
            "bash", [Path.Combine(RepositoryPaths.Root, "scripts", "manage"), .. arguments], RepositoryPaths.Root, TimeSpan.FromMinutes(3), null,
            CancellationToken.None, inheritEnvironment: true, environment: environment, standardErrorLimit: int.MaxValue);
        var printed = result.StandardOutput + result.StandardErrorTail;
        Assert.True(result.ExitCode == expectedExit, $"scripts/manage {string.Join(' ', arguments)} exited {result.ExitCode}: {printed}");
        return printed;
    }
}
