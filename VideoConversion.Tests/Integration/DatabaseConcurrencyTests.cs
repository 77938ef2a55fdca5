using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Integration;

/// <summary>SQLite under a burst of writers: every caller succeeds and the file stays intact.</summary>
[Collection(WholeSystem.Name)]
public sealed class DatabaseConcurrencyTests(SystemFixture system, ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hundred_concurrent_job_creations_all_succeed_and_the_database_stays_intact()
    {
        const int creations = 200;
        // An account of its own: its 200 jobs count against no other test's quota.
        using var api = system.ApiClient((await system.CreateAccountAsync("concurrency")).ApiKey, TimeSpan.FromMinutes(1));

        var responses = await Task.WhenAll(Enumerable.Range(0, creations).Select(async i =>
        {
            using var response = await api.PostAsJsonAsync("/upload/request", new { filename = $"clip-{i}.mp4", content_type = "video/mp4" });
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));

        var failures = responses.Where(response => response.StatusCode != HttpStatusCode.Created).ToList();
        output.WriteLine($"{creations} concurrent creations, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
        Assert.DoesNotContain(responses, response => response.Body.Contains("locked", StringComparison.OrdinalIgnoreCase));

        await using var database = new SqliteConnection($"Data Source={system.JobDatabasePath};Mode=ReadOnly");
        await database.OpenAsync();
        await using var check = database.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        Assert.Equal("ok", await check.ExecuteScalarAsync());
    }
}
