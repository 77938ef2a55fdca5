using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Outputs;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// A row written by the writer's own INSERT (<see cref="RowInsert"/>) is the row EF's SaveChanges writes, with the same
/// account totals kept by the triggers; on a real SQLite file built by the migrations, through the database writer.
/// </summary>
public sealed class RowInsertTests : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-row-insert-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task A_new_job_inserted_by_the_statement_is_the_row_SaveChanges_inserts()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created);
        await MigratedDatabase.WithWriterAsync(file, async writer =>
        {
            await writer.WriteAsync((db, cancellationToken) =>
            {
                db.Jobs.Add(NewJob("j_by_ef"));
                return db.SaveChangesAsync(cancellationToken);
            }, CancellationToken.None);
            await writer.WriteAsync(async (db, cancellationToken) =>
            {
                await RowInsert.WriteAsync(db, NewJob("j_by_statement"), cancellationToken);
                Assert.Empty(db.ChangeTracker.Entries()); // nothing left for a SaveChanges to insert again
                return 0;
            }, CancellationToken.None);
        });

        await using var check = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
        var jobs = await check.Jobs.ToDictionaryAsync(job => job.Id);
        var byEf = check.Entry(jobs["j_by_ef"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
        var byStatement = check.Entry(jobs["j_by_statement"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
        Assert.Equal(byEf.Keys.Order(), byStatement.Keys.Order());
        foreach (var (name, value) in byEf.Where(property => property.Key is not (nameof(Job.Id) or nameof(Job.InputKey) or nameof(Job.OwnerId))))
        {
            Assert.True(Equals(value, byStatement[name]), $"{name}: SaveChanges wrote {value}, the statement {byStatement[name]}.");
        }

        // Every optional column the request fills is there, not only the defaults both would share.
        var inserted = jobs["j_by_statement"];
        Assert.Equal(
            (JobStatus.AwaitingUpload, 5_000_000L, 8L * 1024 * 1024, "key-1", "clip.mov", "video/quicktime"),
            (inserted.Status, inserted.DeclaredBytes, inserted.PartSize, inserted.ApiKeyId, inserted.FileName, inserted.ContentType));
        Assert.Equal(Created.AddHours(1), inserted.UploadExpiresAt);

        var usage = await check.AccountUsage.ToDictionaryAsync(totals => totals.OwnerId);
        Assert.Equal((1, 5_000_000L), (usage["owner-j_by_statement"].ActiveJobs, usage["owner-j_by_statement"].StoredBytes));
        Assert.Equal(
            (usage["owner-j_by_ef"].ActiveJobs, usage["owner-j_by_ef"].StoredBytes),
            (usage["owner-j_by_statement"].ActiveJobs, usage["owner-j_by_statement"].StoredBytes));
    }

    [Fact]
    public async Task A_write_that_fails_after_its_insert_keeps_nothing_and_the_lane_inserts_again()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created);
        await MigratedDatabase.WithWriterAsync(file, async writer =>
        {
            // The same account for both: a failed write must leave its totals as they were, not counted by the trigger.
            var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync<int>(async (db, cancellationToken) =>
            {
                await RowInsert.WriteAsync(db, NewJob("j_undone", "owner-shared"), cancellationToken);
                throw new InvalidOperationException("the write's next step failed");
            }, CancellationToken.None));
            Assert.Equal("the write's next step failed", failed.Message);

            await writer.WriteAsync(async (db, cancellationToken) =>
            {
                await RowInsert.WriteAsync(db, NewJob("j_kept", "owner-shared"), cancellationToken);
                return 0;
            }, CancellationToken.None);

            // Refused: a tracked entity (SaveChanges would insert it again), and a context outside the writer's batch.
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(async (db, cancellationToken) =>
            {
                var job = NewJob("j_tracked");
                db.Jobs.Add(job);
                await RowInsert.WriteAsync(db, job, cancellationToken);
                return 0;
            }, CancellationToken.None));
            await using var outside = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
            await Assert.ThrowsAsync<InvalidOperationException>(() => RowInsert.WriteAsync(outside, NewJob("j_outside"), CancellationToken.None));
        });

        await using var check = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
        Assert.Equal(["j_kept"], await check.Jobs.Select(job => job.Id).ToListAsync());
        var usage = await check.AccountUsage.SingleAsync();
        Assert.Equal(("owner-shared", 1, 5_000_000L), (usage.OwnerId, usage.ActiveJobs, usage.StoredBytes));
    }

    [Fact]
    public void The_statements_name_every_column_but_a_key_the_database_numbers_on_SQLite_and_on_PostgreSQL()
    {
        using var sqlite = new JobsDbContext(
            new DbContextOptionsBuilder<JobsDbContext>().UseSqlite("Data Source=:memory:").Options, new DatabaseWriteGate());
        using var postgreSql = new PostgreSqlJobsDbContext(
            new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql("Host=localhost;Database=unused").Options, new DatabaseWriteGate());
        foreach (var db in new JobsDbContext[] { sqlite, postgreSql })
        {
            var jobSql = RowInsert.SqlFor(db, typeof(Job));
            Assert.Equal(db.Model.FindEntityType(typeof(Job))!.GetProperties().Count(), Regex.Count(jobSql, "@p[0-9]+"));
            Assert.Contains("\"Id\"", jobSql);

            var outboxSql = RowInsert.SqlFor(db, typeof(OutboxMessage));
            Assert.Equal(db.Model.FindEntityType(typeof(OutboxMessage))!.GetProperties().Count() - 1, Regex.Count(outboxSql, "@p[0-9]+"));
            Assert.DoesNotContain("\"Id\"", outboxSql);
        }
    }

    [Fact]
    public void A_row_SaveChanges_would_write_otherwise_than_every_column_as_the_entity_holds_it_is_refused()
    {
        using var db = new ModelWithOthers(new DbContextOptionsBuilder<ModelWithOthers>().UseSqlite("Data Source=:memory:").Options);
        Assert.Contains(nameof(Defaulted.Count), Assert.Throws<NotSupportedException>(() => RowInsert.SqlFor(db, typeof(Defaulted))).Message);
        Assert.Contains("Note", Assert.Throws<NotSupportedException>(() => RowInsert.SqlFor(db, typeof(Shadowed))).Message);
        Assert.Contains(nameof(GuidKeyed.Id), Assert.Throws<NotSupportedException>(() => RowInsert.SqlFor(db, typeof(GuidKeyed))).Message);
        // The same model's own rows still are written by statements.
        Assert.StartsWith("INSERT INTO", RowInsert.SqlFor(db, typeof(Job)));
    }

    /// <summary>A job as POST /upload/request makes it, with every optional field given.</summary>
    private static Job NewJob(string id, string? ownerId = null) => Job.Create(
        id, "clip.mov", "video/quicktime", $"{id}.mov", Created, Created.AddHours(1), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        declaredBytes: 5_000_000, ownerId: ownerId ?? $"owner-{id}", apiKeyId: "key-1", startOnUpload: true, outputs: [OutputKinds.Mp4, OutputKinds.Poster],
        partSize: 8L * 1024 * 1024);

    /// <summary>The jobs model with rows SaveChanges writes otherwise than as the entity holds them.</summary>
    private sealed class ModelWithOthers(DbContextOptions<ModelWithOthers> options) : JobsDbContext(options, new DatabaseWriteGate())
    {
        protected override void OnModelCreating(ModelBuilder builder)
        {
            base.OnModelCreating(builder);
            builder.Entity<Defaulted>().Property(defaulted => defaulted.Count).HasDefaultValue(3); // the database's default when EF sees 0
            builder.Entity<Shadowed>().Property<string>("Note");                                 // a value the entity does not hold
            builder.Entity<GuidKeyed>();                                                          // a key EF generates itself
        }
    }

    private sealed class Defaulted
    {
        public long Id { get; set; }

        public int Count { get; set; }
    }

    private sealed class Shadowed
    {
        public long Id { get; set; }
    }

    private sealed class GuidKeyed
    {
        public Guid Id { get; set; }
    }
}
