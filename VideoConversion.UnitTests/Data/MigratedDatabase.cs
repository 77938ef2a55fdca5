using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// A real SQLite file built by the migrations, not EnsureCreated (the account-usage triggers are theirs, and must run on
/// the writer's own statements as on EF's), in WAL mode as the API runs it; and the API's database writer on it.
/// </summary>
internal static class MigratedDatabase
{
    /// <summary>The file, holding a job awaiting its upload for each id, each of an account of its own ("owner-" + id).</summary>
    public static async Task<string> CreateAsync(DirectoryInfo directory, DateTimeOffset created, params string[] jobIds)
    {
        var file = Path.Combine(directory.FullName, "jobs.db");
        await using var db = new JobsDbContext(Options(file), new DatabaseWriteGate());
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=wal;");
        foreach (var id in jobIds)
        {
            db.Jobs.Add(Job.Create(id, "clip.mp4", "video/mp4", $"{id}.mp4", created, created.AddMinutes(10), ownerId: $"owner-{id}"));
        }

        await db.SaveChangesAsync();
        return file;
    }

    /// <summary>The API's database writer on the file, with the webhook recorder EF's saves run through.</summary>
    public static DatabaseWriter Writer(string file, IServiceProvider services, WebhookSignal webhooks) => new(
        new DatabaseWriteGate(),
        new DatabaseWriterOptions(GroupCommitTests.Database(file), new WebhookEventRecorder(TimeProvider.System, webhooks), NullLoggerFactory.Instance),
        webhooks, new DatabaseMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), NullLogger<DatabaseWriter>.Instance);

    /// <summary>Runs <paramref name="writes"/> through the API's database writer on the file, started for them and stopped after.</summary>
    public static async Task WithWriterAsync(string file, Func<DatabaseWriter, Task> writes)
    {
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var webhooks = new WebhookSignal();
        var writer = MigratedDatabase.Writer(file, services, webhooks);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            await writes(writer);
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }
    }

    public static DbContextOptions<JobsDbContext> Options(string file) =>
        new DbContextOptionsBuilder<JobsDbContext>().UseSqlite($"Data Source={file};Pooling=False").Options;
}
