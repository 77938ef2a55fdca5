using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VideoConversion.Api.Data;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.UnitTests.Data;

/// <summary>
/// A request's context is rented from a pool, not built with its options for every request: the next request gets the
/// same instance back, reset, with the process's one write gate and webhook recorder. No database is opened.
/// </summary>
public sealed class ContextPoolTests
{
    [Theory]
    [InlineData("Sqlite", "Data Source=unused.db", typeof(JobsDbContext))]
    [InlineData("PostgreSQL", "Host=localhost;Database=unused", typeof(PostgreSqlJobsDbContext))]
    public void A_request_s_context_is_the_last_request_s_returned_to_the_pool(string provider, string connectionString, Type contextType)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [JobDatabase.ProviderSetting] = provider,
            ["ConnectionStrings:jobs"] = connectionString,
        });
        builder.Services.AddSingleton<WebhookSignal>();
        builder.Services.AddSingleton<WebhookEventRecorder>();
        builder.AddJobDatabase();
        using var services = builder.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });

        JobsDbContext first;
        using (var request = services.CreateScope())
        {
            first = request.ServiceProvider.GetRequiredService<JobsDbContext>();
            Assert.IsType(contextType, first);
            first.Jobs.Add(Job.Create("j_pooled", "clip.mp4", null, "j_pooled.mp4", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(10)));
        }

        using var next = services.CreateScope();
        var second = next.ServiceProvider.GetRequiredService<JobsDbContext>();
        Assert.Same(first, second);
        Assert.Empty(second.ChangeTracker.Entries()); // reset when it was returned: nothing of the last request is left
        Assert.Same(services.GetRequiredService<DatabaseWriteGate>(), second.WriteGate);
        // The pool's options are made once, from the root provider: the recorder must be the process's one (a singleton).
        var interceptors = second.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors ?? [];
        Assert.Contains(services.GetRequiredService<WebhookEventRecorder>(), interceptors);
    }
}
