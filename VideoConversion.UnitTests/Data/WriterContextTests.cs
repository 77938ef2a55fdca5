using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// The database writer keeps one context per connection from batch to batch: each write still starts on an empty context
/// in its own batch's transaction, a failed write leaves nothing behind, and a save that recorded webhook deliveries wakes
/// their dispatcher once its batch is committed. On a real SQLite file, with the model's tables made from the model.
/// </summary>
public sealed class WriterContextTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-writer-context-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task Every_write_starts_empty_in_its_own_batchs_transaction_and_a_recorded_delivery_wakes_the_dispatcher()
    {
        var file = await DatabaseAsync();
        using var webhooks = new WebhookSignal();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var writer = new DatabaseWriter(
            new DatabaseWriteGate(),
            new DatabaseWriterOptions(GroupCommitTests.Database(file), new WebhookEventRecorder(TimeProvider.System, webhooks), NullLoggerFactory.Instance),
            webhooks, new DatabaseMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<DatabaseWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            // A write that saved, then failed: undone, and nothing of it stays tracked for the writes after it.
            var savedBeforeFailing = 0;
            var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync<int>(async (db, cancellationToken) =>
            {
                db.Outbox.Add(new OutboxMessage { JobId = "j_owned", Queue = "video_jobs", Payload = [1], CreatedAt = DateTimeOffset.UnixEpoch });
                savedBeforeFailing = await db.SaveChangesAsync(cancellationToken);
                throw new InvalidOperationException("The command failed after its save.");
            }, CancellationToken.None));
            Assert.Equal(("The command failed after its save.", 1), (failed.Message, savedBeforeFailing));

            // Each write awaited before the next is queued: each is a batch of its own, on the same context.
            var contexts = new List<JobsDbContext>();
            var (tracked, saved, first) = await writer.WriteAsync(async (db, cancellationToken) =>
            {
                contexts.Add(db);
                return (db.ChangeTracker.Entries().Count(), await db.SaveChangesAsync(cancellationToken), Transaction(db));
            }, CancellationToken.None);
            Assert.Equal((0, 0), (tracked, saved));
            Assert.False(await Signalled(webhooks, TimeSpan.FromSeconds(1))); // nothing recorded (raised, it would be by now)

            var second = await writer.WriteAsync(async (db, cancellationToken) =>
            {
                contexts.Add(db);
                var job = await JobLookup.ForChangeAsync(db, "j_owned", cancellationToken);
                Assert.Equal(CancelOutcome.Canceled, job!.Cancel(DateTimeOffset.UnixEpoch.AddMinutes(1)));
                await db.SaveChangesAsync(cancellationToken);
                return Transaction(db);
            }, CancellationToken.None);
            Assert.True(await Signalled(webhooks, TimeSpan.FromSeconds(10))); // the cancel's delivery, announced after its batch
            Assert.Same(contexts[0], contexts[1]); // kept from batch to batch
            Assert.NotSame(first, second); // the second batch's own, not a transaction the context kept
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using var check = new JobsDbContext(Options(file), new DatabaseWriteGate());
        Assert.Empty(await check.Outbox.ToListAsync());
        Assert.Equal(JobStatus.Canceled, (await check.Jobs.SingleAsync(job => job.Id == "j_owned")).Status);
        Assert.Equal("w_account", Assert.Single(await check.WebhookDeliveries.ToListAsync()).EndpointId);
    }

    private static System.Data.Common.DbTransaction Transaction(JobsDbContext db) => db.Database.CurrentTransaction?.GetDbTransaction()
        ?? throw new InvalidOperationException("The write ran outside its batch's transaction.");

    /// <summary>
    /// Whether the dispatcher's signal is raised within <paramref name="timeout"/> (taking it). The writer raises it just
    /// after it answers the batch's writes, on the same thread.
    /// </summary>
    private static async Task<bool> Signalled(WebhookSignal signal, TimeSpan timeout) =>
        await signal.WaitAsync(timeout, CancellationToken.None);

    private async Task<string> DatabaseAsync()
    {
        var file = Path.Combine(_work.FullName, "jobs.db");
        await using var db = new JobsDbContext(Options(file), new DatabaseWriteGate());
        await db.Database.EnsureCreatedAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=wal;");
        var now = DateTimeOffset.UnixEpoch;
        db.Jobs.Add(Job.Create("j_owned", "clip.mp4", null, "j_owned.mp4", now, now.AddMinutes(10), ownerId: "owner-1"));
        db.WebhookEndpoints.Add(new WebhookEndpoint
        {
            Id = "w_account", OwnerId = "owner-1", Url = "https://hooks.example/jobs", ProtectedSecret = "unused", CreatedAt = now,
        });
        await db.SaveChangesAsync();
        return file;
    }

    private static DbContextOptions<JobsDbContext> Options(string file) =>
        new DbContextOptionsBuilder<JobsDbContext>().UseSqlite($"Data Source={file};Pooling=False").Options;
}
