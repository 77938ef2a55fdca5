using System.Security.Claims;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Outputs;
using VideoConversion.UnitTests.Data;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>
/// A job read by the API's own statements (<see cref="JobReads"/>: on the request path from a connection kept open for it,
/// in the writer's batch on its connection) is the job EF reads, every property, in every state that fills them; and the
/// request path's read keeps <see cref="JobVisibility.VisibleTo"/>'s rule. On a real SQLite file built by the migrations.
/// </summary>
public sealed class JobReadsTests : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000).AddTicks(1234567);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-job-reads-");

    public void Dispose()
    {
        SqliteReadConnections.Close(ConnectionString);
        _work.Delete(recursive: true);
    }

    /// <summary>The request path's connection string for the test's file (its read connections are closed with the test).</summary>
    private string ConnectionString => $"Data Source={Path.Combine(_work.FullName, "jobs.db")}";

    [Fact]
    public async Task Every_property_of_a_job_read_by_the_statements_is_as_EF_reads_it()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created);
        await using (var db = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate()))
        {
            db.Jobs.AddRange(Jobs());
            await db.SaveChangesAsync();
            // Set by the outbox dispatcher's own update, not by a method of the job.
            await db.Jobs.Where(job => job.Id == "j_submitted").ExecuteUpdateAsync(job => job.SetProperty(j => j.QueuedAt, Created.AddSeconds(4)));
        }

        var ids = Jobs().Select(job => job.Id).ToList();
        var inBatch = new List<Job?>();
        await MigratedDatabase.WithWriterAsync(file, writer => writer.WriteAsync(async (db, cancellationToken) =>
        {
            foreach (var id in ids)
            {
                inBatch.Add(await JobLookup.ForStatementAsync(db, id, cancellationToken));
            }

            Assert.Null(await JobLookup.ForStatementAsync(db, "j_unknown", cancellationToken));
            return 0;
        }, CancellationToken.None));

        // A request's context: configured by a connection string, as the API's, so the read connections serve it.
        await using var requests = new JobsDbContext(
            new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(ConnectionString).Options, new DatabaseWriteGate());
        var administrator = Caller("admin-1", Roles.Administrator);
        foreach (var (id, fromBatch) in ids.Zip(inBatch))
        {
            var byEf = await requests.Jobs.AsNoTracking().SingleAsync(job => job.Id == id);
            AssertSame(byEf, fromBatch);
            if (byEf.DeletedAt is null)
            {
                AssertSame(byEf, await requests.FindVisibleAsync(administrator, id, CancellationToken.None));
                AssertSame(byEf, await requests.FindVisibleAsync(Caller(byEf.OwnerId!), id, CancellationToken.None));
            }
        }

        Assert.Empty(requests.ChangeTracker.Entries());
        Assert.InRange(SqliteReadConnections.For(ConnectionString)!.Open, 1, SqliteReadConnections.MaxOpen); // by the statement, not EF

        // Between them the jobs fill every column: a column read wrongly could not hide behind its default.
        var all = await requests.Jobs.AsNoTracking().ToListAsync();
        var neverFilled = requests.Model.FindEntityType(typeof(Job))!.GetProperties()
            .Where(property => all.All(job => IsDefault(property.PropertyInfo!.GetValue(job))))
            .Select(property => property.Name);
        Assert.Empty(neverFilled);
    }

    [Fact]
    public async Task The_request_paths_read_shows_a_job_to_its_owner_and_administrators_and_a_deleted_one_to_no_one()
    {
        await MigratedDatabase.CreateAsync(_work, Created, "j_owned");
        await using var db = new JobsDbContext(new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(ConnectionString).Options, new DatabaseWriteGate());
        var owner = Caller("owner-j_owned");
        var administrator = Caller("admin-1", Roles.Administrator);

        Assert.Equal("j_owned", (await db.FindVisibleAsync(owner, "j_owned", CancellationToken.None))?.Id);
        Assert.Equal("j_owned", (await db.FindVisibleAsync(administrator, "j_owned", CancellationToken.None))?.Id);
        Assert.Null(await db.FindVisibleAsync(Caller("owner-other"), "j_owned", CancellationToken.None));
        Assert.Null(await db.FindVisibleAsync(owner, "j_unknown", CancellationToken.None));

        var job = await db.Jobs.SingleAsync(job => job.Id == "j_owned");
        job.Delete(Created.AddMinutes(1));
        await db.SaveChangesAsync();
        Assert.Null(await db.FindVisibleAsync(owner, "j_owned", CancellationToken.None));
        Assert.Null(await db.FindVisibleAsync(administrator, "j_owned", CancellationToken.None));
    }

    [Fact]
    public async Task A_read_in_a_transaction_sees_its_uncommitted_writes()
    {
        await MigratedDatabase.CreateAsync(_work, Created);
        await using var db = new JobsDbContext(new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(ConnectionString).Options, new DatabaseWriteGate());
        await using var transaction = await db.Database.BeginTransactionAsync();
        db.Jobs.Add(Job.Create("j_uncommitted", "clip.mp4", null, "j_uncommitted.mp4", Created, Created.AddHours(1), ownerId: "owner-1"));
        await db.SaveChangesAsync();

        // Another connection would not see it yet: inside a transaction the read is EF's, on the transaction's connection.
        Assert.Equal("j_uncommitted", (await db.FindVisibleAsync(Caller("owner-1"), "j_uncommitted", CancellationToken.None))?.Id);
    }

    [Fact]
    public async Task With_every_connection_in_use_a_read_falls_back_and_a_failed_one_is_closed()
    {
        await MigratedDatabase.CreateAsync(_work, Created, "j_kept");
        var connections = SqliteReadConnections.For(ConnectionString)!;
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = Enumerable.Range(0, SqliteReadConnections.MaxOpen).Select(_ => connections.ReadAsync(_ => release.Task, () => Task.FromResult(-1))).ToList();
        Assert.Equal(SqliteReadConnections.MaxOpen, connections.Open);

        Assert.Equal(-1, await connections.ReadAsync(_ => Task.FromResult(1), () => Task.FromResult(-1))); // none free: the fallback
        Assert.Equal(SqliteReadConnections.MaxOpen, connections.Open);
        release.SetResult(7);
        Assert.All(await Task.WhenAll(holding), result => Assert.Equal(7, result));
        Assert.Equal(SqliteReadConnections.MaxOpen, connections.Open); // kept open for the next reads

        await Assert.ThrowsAsync<SqliteException>(() => connections.ReadAsync(
            connection => connection.For("SELECT * FROM no_such_table").ExecuteScalarAsync(), () => Task.FromResult<object?>(null)));
        Assert.Equal(SqliteReadConnections.MaxOpen - 1, connections.Open);
    }

    [Fact]
    public async Task The_read_connections_cannot_write()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created, "j_kept");
        var connections = SqliteReadConnections.For(ConnectionString)!;
        var refused = await Assert.ThrowsAsync<SqliteException>(() => connections.ReadAsync(
            connection => connection.For("DELETE FROM jobs").ExecuteNonQueryAsync(), () => Task.FromResult(-1)));
        Assert.Contains("readonly", refused.Message, StringComparison.OrdinalIgnoreCase);

        await using var db = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
        Assert.Equal(1, await db.Jobs.CountAsync());
        // An in-memory database would be one of their own, not the one asked for.
        Assert.Null(SqliteReadConnections.For("Data Source=:memory:"));
        Assert.Null(SqliteReadConnections.For("Data Source=file::memory:?cache=shared"));
        Assert.Null(SqliteReadConnections.For("Data Source=file:jobs?mode=memory"));

        // A path with no database is an error, not a new empty file.
        var missing = Path.Combine(_work.FullName, "missing.db");
        await Assert.ThrowsAsync<SqliteException>(() => SqliteReadConnections.For($"Data Source={missing}")!.ReadAsync(
            connection => connection.For("SELECT 1").ExecuteScalarAsync(), () => Task.FromResult<object?>(null)));
        Assert.False(File.Exists(missing));
        SqliteReadConnections.Close($"Data Source={missing}");
    }

    [Fact]
    public void The_statements_read_every_column_on_both_providers()
    {
        using var sqlite = new JobsDbContext(new DbContextOptionsBuilder<JobsDbContext>().UseSqlite("Data Source=:memory:").Options, new DatabaseWriteGate());
        using var postgreSql = new PostgreSqlJobsDbContext(
            new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql("Host=localhost;Database=unused").Options, new DatabaseWriteGate());
        foreach (var db in new JobsDbContext[] { sqlite, postgreSql })
        {
            var (byId, visible) = JobReads.SqlFor(db);
            var columns = byId[..byId.IndexOf(" FROM ", StringComparison.Ordinal)].Split(", ").Length;
            Assert.Equal(db.Model.FindEntityType(typeof(Job))!.GetProperties().Count(), columns);
            Assert.EndsWith("""WHERE "Id" = @key""", byId);
            Assert.EndsWith("""WHERE "Id" = @key AND "DeletedAt" IS NULL AND (@owner IS NULL OR "OwnerId" = @owner)""", visible);
        }
    }

    [Fact]
    public void An_entity_type_a_statement_would_read_otherwise_than_EF_is_refused()
    {
        using var db = new FilteredJobs(new DbContextOptionsBuilder<FilteredJobs>().UseSqlite("Data Source=:memory:").Options);
        Assert.Contains("query filter", Assert.Throws<NotSupportedException>(() => RowRead.For<Job>(db)).Message, StringComparison.Ordinal);
    }

    /// <summary>The jobs model with a query filter on jobs, which EF's queries apply and a statement of the columns would not.</summary>
    private sealed class FilteredJobs(DbContextOptions<FilteredJobs> options) : JobsDbContext(options, new DatabaseWriteGate())
    {
        protected override void OnModelCreating(ModelBuilder builder)
        {
            base.OnModelCreating(builder);
            builder.Entity<Job>().HasQueryFilter(job => job.DeletedAt == null);
        }
    }

    /// <summary>Jobs in the states that fill every column between them: waiting, in parts, submitted, done, failed, retried, canceled, deleted, expired, from a URL.</summary>
    private static List<Job> Jobs()
    {
        Job New(string id) => Job.Create(
            id, "clip.mov", "video/quicktime", $"{id}.mov", Created, Created.AddHours(1), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            declaredBytes: 5_000_000, ownerId: $"owner-{id}", apiKeyId: "key-1", startOnUpload: true, outputs: [OutputKinds.Mp4, OutputKinds.Poster],
            partSize: 8L * 1024 * 1024);

        var waiting = New("j_waiting");
        var multipart = New("j_multipart");
        multipart.BeginMultipart("upload-1", Created.AddSeconds(1));
        var submitted = New("j_submitted");
        submitted.RecordUpload(5_000_000, "\"etag-1\"", Created.AddSeconds(2));
        submitted.Submit(5_000_000, "\"etag-1\"", Created.AddSeconds(3));
        var done = New("j_done");
        done.Submit(5_000_000, "\"etag-2\"", Created.AddSeconds(3));
        done.Apply(new JobReport(done.Id, JobReportKind.Processing, 5, Created.AddSeconds(4)), Created.AddSeconds(4));
        done.Apply(new JobReport(done.Id, JobReportKind.Done, 100, Created.AddSeconds(9), OutputBytes: 777, ConversionMethod: "remux", DurationSeconds: 30.5,
            Outputs: new JobOutputs(new Mp4Output(777, 1280, 720))), Created.AddSeconds(9));
        done.ForgetInput(Created.AddSeconds(10));
        var expired = New("j_expired");
        expired.Submit(5_000_000, "\"etag-4\"", Created.AddSeconds(3));
        expired.Apply(new JobReport(expired.Id, JobReportKind.Done, 100, Created.AddSeconds(9), OutputBytes: 777), Created.AddSeconds(9));
        expired.ExpireOutput(Created.AddDays(7));
        expired.ForgetOutput(Created.AddDays(7).AddSeconds(1));
        var fromUrl = Job.CreateFromUrl("j_from_url", "clip.mp4", "j_from_url.mp4", "https://videos.example/clip.mp4", Created, null, "owner-j_from_url", null);
        var failed = New("j_failed");
        failed.Submit(5_000_000, "\"etag-3\"", Created.AddSeconds(3));
        failed.Apply(new JobReport(failed.Id, JobReportKind.Failed, 0, Created.AddSeconds(5), Error: "Not a video."), Created.AddSeconds(5));
        var retried = New("j_retried");
        retried.Submit(5_000_000, "\"etag-5\"", Created.AddSeconds(3));
        retried.Apply(new JobReport(retried.Id, JobReportKind.Failed, 0, Created.AddSeconds(5), Error: "The worker stopped."), Created.AddSeconds(5));
        retried.Retry(Created.AddSeconds(6));
        var canceled = New("j_canceled");
        canceled.Cancel(Created.AddSeconds(6));
        var deleted = New("j_deleted");
        deleted.Delete(Created.AddSeconds(7));
        return [waiting, multipart, submitted, done, failed, retried, canceled, deleted, expired, fromUrl];
    }

    private static void AssertSame(Job expected, Job? actual)
    {
        Assert.NotNull(actual);
        foreach (var property in typeof(Job).GetProperties())
        {
            Assert.True(Equals(property.GetValue(expected), property.GetValue(actual)) || property.Name is nameof(Job.OutputList),
                $"{expected.Id}.{property.Name}: EF read {property.GetValue(expected)}, the statement {property.GetValue(actual)}.");
        }

        Assert.Equal(expected.OutputList, actual.OutputList);
    }

    private static bool IsDefault(object? value) => value is null || (value.GetType().IsValueType && value.Equals(Activator.CreateInstance(value.GetType())));

    private static ClaimsPrincipal Caller(string accountId, string? role = null) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, accountId), .. role is null ? Array.Empty<Claim>() : [new Claim(ClaimTypes.Role, role)]], "test"));
}
