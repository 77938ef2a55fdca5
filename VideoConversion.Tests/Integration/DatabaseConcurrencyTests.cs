using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using VideoConversion.Processes;
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

    /// <summary>
    /// A second API process on the running API's SQLite file (a replica too many, a second pod on the volume) refuses to
    /// start, saying why and what to do instead; the running API is untouched.
    /// </summary>
    [Fact]
    public async Task A_second_api_process_on_the_same_sqlite_database_is_refused_at_start()
    {
        var environment = (await system.App.EnvironmentAsync(SystemFixture.ApiService)).ToDictionary(pair => pair.Key, pair => (string?)pair.Value);
        // Ports of its own, so only the database can stand in its way.
        environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        environment.Remove("HTTP_PORTS");
        environment["Management__Port"] = FreeTcpPort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var api = Path.Combine(RepositoryPaths.Root, "VideoConversion.Api", "bin", BuildConfiguration, "net10.0", "VideoConversion.Api");

        var second = await ProcessRunner.RunAsync(api, [], Path.GetTempPath(), TimeSpan.FromMinutes(1), null, CancellationToken.None,
            environment: environment, standardErrorLimit: int.MaxValue);

        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("SQLite allows one API process", second.StandardOutput + second.StandardErrorTail, StringComparison.Ordinal);
        using var health = await system.ApiManagement.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    /// <summary>
    /// The running totals quotas read (account_usage, kept by triggers) equal the totals counted over each account's jobs,
    /// after everything the suite has done to jobs on this system by now: uploads, submissions, outcomes, cancels,
    /// retries, deletions.
    /// </summary>
    [Fact]
    public async Task Every_accounts_running_totals_equal_what_its_jobs_add_up_to()
    {
        // A little activity of its own first, so the check never looks at an empty table.
        using var api = system.ApiClient((await system.CreateAccountAsync("totals")).ApiKey);
        for (var i = 0; i < 3; i++)
        {
            using var created = await api.PostAsJsonAsync("/upload/request", new { filename = $"clip-{i}.mp4", size_bytes = 1000 + i });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await using var database = new SqliteConnection($"Data Source={system.JobDatabasePath};Mode=ReadOnly");
        await database.OpenAsync();
        await using var compare = database.CreateCommand();
        // One read transaction: the totals and the jobs are of the same moment.
        compare.CommandText = """
            SELECT counted."OwnerId", counted.active, counted.stored, kept."ActiveJobs", kept."StoredBytes"
            FROM (SELECT "OwnerId",
                         SUM(CASE WHEN "Status" IN ('AwaitingUpload', 'Pending', 'Processing') THEN 1 ELSE 0 END) AS active,
                         SUM((CASE WHEN "InputDeletedAt" IS NULL THEN COALESCE("InputBytes", "DeclaredBytes", 0) ELSE 0 END) +
                             (CASE WHEN "OutputDeletedAt" IS NULL THEN COALESCE("OutputBytes", 0) ELSE 0 END)) AS stored
                  FROM "jobs" WHERE "OwnerId" IS NOT NULL GROUP BY "OwnerId") AS counted
            LEFT JOIN "account_usage" AS kept ON kept."OwnerId" = counted."OwnerId";
            """;
        var accounts = 0;
        var differ = new List<string>();
        await using (var rows = await compare.ExecuteReaderAsync())
        {
            while (await rows.ReadAsync())
            {
                accounts++;
                var (active, stored) = (rows.GetInt64(1), rows.GetInt64(2));
                var (keptActive, keptStored) = (rows.IsDBNull(3) ? -1 : rows.GetInt64(3), rows.IsDBNull(4) ? -1 : rows.GetInt64(4));
                if (active != keptActive || stored != keptStored)
                {
                    differ.Add($"{rows.GetString(0)}: counted {active} active, {stored} bytes; kept {keptActive}, {keptStored}");
                }
            }
        }

        output.WriteLine($"{accounts} accounts compared");
        Assert.True(accounts >= 1);
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }
}
