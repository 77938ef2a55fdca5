using System.Security.Claims;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// The hot reads are compiled queries, and one process can hold several models (the writer's contexts and the requests'
/// are configured apart): each model gets a query of its own, where EF refuses a compiled query on any model but its
/// first. Runs on SQLite in memory, with the model's tables made from the model (no triggers: a totals row is written here).
/// </summary>
public sealed class CompiledQueryTests
{
    [Fact]
    public async Task The_hot_reads_answer_on_every_model_of_the_process()
    {
        await using var first = await DatabaseAsync();
        await using var second = await DatabaseAsync();
        Assert.NotSame(first.Context.Model, second.Context.Model); // the case at hand: two models in one process
        var owner = Caller("owner-1");
        var stranger = Caller("owner-2");
        var administrator = Caller("admin-1", Roles.Administrator);

        foreach (var database in new[] { first, second, first })
        {
            var db = database.Context;

            Assert.Equal("j_owned", (await JobLookup.ForChangeAsync(db, "j_owned", CancellationToken.None))?.Id);
            Assert.Equal("j_deleted", (await JobLookup.ForChangeAsync(db, "j_deleted", CancellationToken.None))?.Id);
            Assert.Null(await JobLookup.ForChangeAsync(db, "j_unknown", CancellationToken.None));
            db.ChangeTracker.Clear();

            Assert.Equal("j_owned", (await db.FindVisibleAsync(owner, "j_owned", CancellationToken.None))?.Id);
            Assert.Equal("j_owned", (await db.FindVisibleAsync(administrator, "j_owned", CancellationToken.None))?.Id);
            Assert.Null(await db.FindVisibleAsync(stranger, "j_owned", CancellationToken.None));
            Assert.Null(await db.FindVisibleAsync(owner, "j_deleted", CancellationToken.None));
            Assert.Null(await db.FindVisibleAsync(administrator, "j_deleted", CancellationToken.None));
            Assert.Equal(new AccountUsage(3, 4096), await AccountUsage.OfAsync(db, "owner-1", CancellationToken.None));
            Assert.Equal(new AccountUsage(0, 0), await AccountUsage.OfAsync(db, "owner-2", CancellationToken.None));
        }

        // A job's move records a delivery for its account's endpoint: the webhook recorder's query, on each model.
        foreach (var database in new[] { first, second })
        {
            var db = database.Context;
            var job = await JobLookup.ForChangeAsync(db, "j_owned", CancellationToken.None);
            job!.Cancel(DateTimeOffset.UnixEpoch.AddMinutes(1));
            await db.SaveChangesAsync();

            var delivery = Assert.Single(await db.WebhookDeliveries.AsNoTracking().ToListAsync());
            Assert.Equal(("j_owned", "w_account"), (delivery.JobId, delivery.EndpointId));
        }
    }

    private static ClaimsPrincipal Caller(string accountId, string? role = null) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, accountId), .. role is null ? Array.Empty<Claim>() : [new Claim(ClaimTypes.Role, role)]], "test"));

    private static async Task<Database> DatabaseAsync()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        // An internal service provider of its own: a model of its own, as differently configured contexts get.
        var efServices = new ServiceCollection().AddEntityFrameworkSqlite().BuildServiceProvider();
        var options = new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(connection).UseInternalServiceProvider(efServices)
            .AddInterceptors(new WebhookEventRecorder(TimeProvider.System, new WebhookSignal())).Options;
        var context = new JobsDbContext(options, new DatabaseWriteGate());
        await context.Database.EnsureCreatedAsync();
        var now = DateTimeOffset.UnixEpoch;
        context.Jobs.Add(Job.Create("j_owned", "clip.mp4", null, "j_owned.mp4", now, now.AddMinutes(10), ownerId: "owner-1"));
        var deleted = Job.Create("j_deleted", "gone.mp4", null, "j_deleted.mp4", now, now.AddMinutes(10), ownerId: "owner-1");
        deleted.Delete(now);
        context.Jobs.Add(deleted);
        context.AccountUsage.Add(new AccountUsageTotals { OwnerId = "owner-1", ActiveJobs = 3, StoredBytes = 4096 });
        context.WebhookEndpoints.Add(new WebhookEndpoint
        {
            Id = "w_account", OwnerId = "owner-1", Url = "https://hooks.example/jobs", ProtectedSecret = "unused", CreatedAt = now,
        });
        context.WebhookEndpoints.Add(new WebhookEndpoint
        {
            Id = "w_stranger", OwnerId = "owner-2", Url = "https://hooks.example/others", ProtectedSecret = "unused", CreatedAt = now,
        });
        await context.SaveChangesAsync();
        context.ChangeTracker.Clear();
        return new Database(connection, efServices, context);
    }

    private sealed record Database(SqliteConnection Connection, ServiceProvider EfServices, JobsDbContext Context) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Context.DisposeAsync();
            await EfServices.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
