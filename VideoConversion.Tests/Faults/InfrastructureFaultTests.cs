using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>The broker and the API killed with SIGKILL while jobs flow, then started again.</summary>
[Collection(FaultySystem.Name)]
public sealed class InfrastructureFaultTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(8);

    /// <summary>The readiness check the Aspire RabbitMQ client registers.</summary>
    private const string BrokerCheck = "RabbitMQ.Client";

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-faults-");

    [Fact]
    public async Task Every_job_accepted_before_or_during_a_broker_crash_ends_done()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 3);
        List<string> accepted = [];
        for (var i = 0; i < 6; i++)
        {
            accepted.Add(await _api.StartJobAsync(input));
        }

        await Polling.WaitUntilAsync(async () => (await _api.GetJobAsync(accepted[0])).GetProperty("status").GetString() != "PENDING", "the first job to start");
        await system.KillAsync(FaultSystemFixture.Broker);

        // Readiness tells the truth: both services say which dependency is gone, then recover.
        await AssertNotReadyWithoutTheBrokerAsync(system.ApiManagement);
        await AssertNotReadyWithoutTheBrokerAsync(system.WorkerManagement);

        // With the broker down the API still accepts jobs: they wait in its outbox. (Submitted by POST /jobs: storage's
        // events cannot reach the broker now, and MinIO does not keep them.)
        for (var i = 0; i < 4; i++)
        {
            accepted.Add(await _api.SubmitJobAsync(input));
        }

        await system.StartAsync(FaultSystemFixture.Broker);
        await Polling.WaitUntilAsync(async () => (await system.ApiManagement.ReadinessAsync()).Status == HttpStatusCode.OK, "the API to be ready again");
        await Polling.WaitUntilAsync(async () => (await system.WorkerManagement.ReadinessAsync()).Status == HttpStatusCode.OK, "the worker to be ready again");
        var outcomes = new List<string>();
        foreach (var jobId in accepted)
        {
            outcomes.Add((await _api.WaitForOutcomeAsync(jobId, BatchTimeout)).Job.GetProperty("status").GetString()!);
        }

        output.WriteLine($"{accepted.Count} jobs (4 accepted during the outage), 1 broker kill; outcomes: {string.Join(", ", outcomes)}");
        Assert.All(outcomes, outcome => Assert.Equal("DONE", outcome));
    }

    [Fact]
    public async Task Killing_the_api_among_concurrent_submissions_loses_no_accepted_job_and_leaves_no_orphan_message()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        List<string> jobs = [];
        for (var i = 0; i < 12; i++)
        {
            var upload = await _api.RequestUploadAsync($"clip-{i}.avi", start: "submit");
            await ApiCalls.UploadAsync(upload.GetProperty("presigned_url").GetString()!, input);
            jobs.Add(upload.GetProperty("job_id").GetString()!);
        }

        using var client = new HttpClient { BaseAddress = _api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = _api.DefaultRequestHeaders.Authorization;
        var firstAccepted = new TaskCompletionSource();
        var submissions = jobs.Select(async jobId =>
        {
            try
            {
                using var response = await client.SubmitAsync(jobId);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    firstAccepted.TrySetResult();
                }

                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return (HttpStatusCode?)null; // the API died under the request: the client does not know
            }
        }).ToList();

        await firstAccepted.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await system.KillAsync(FaultSystemFixture.ApiService);
        var answers = await Task.WhenAll(submissions.Select(async submission => await submission));
        await system.StartAsync(FaultSystemFixture.ApiService);

        // A client that got no answer submits again, which is harmless; one that got 202 does nothing.
        var unanswered = jobs.Where((_, index) => answers[index] != HttpStatusCode.Accepted).ToList();
        foreach (var jobId in unanswered)
        {
            using var again = await _api.SubmitAsync(jobId);
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        var outcomes = new List<string>();
        foreach (var jobId in jobs)
        {
            outcomes.Add((await _api.WaitForOutcomeAsync(jobId, BatchTimeout)).Job.GetProperty("status").GetString()!);
        }

        output.WriteLine($"{jobs.Count} jobs, 1 API kill; {jobs.Count - unanswered.Count} answered 202 before it, {unanswered.Count} submitted again");
        Assert.All(outcomes, outcome => Assert.Equal("DONE", outcome));
        Assert.Equal(0, await PendingOutboxMessagesAsync());
    }

    [Fact]
    public async Task Killing_the_api_mid_batch_loses_no_answered_write()
    {
        // Many clients at once, so writes share the database writer's transactions (group commit) when the API dies.
        const int clients = 32;
        // An account of its own: its jobs (awaiting uploads that never come) take no other test's quota.
        var account = await system.CreateAccountAsync("burst");
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = _api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = account.Authorization;
        var answered = new System.Collections.Concurrent.ConcurrentBag<string>();
        var unanswered = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await client.PostAsJsonAsync("/upload/request", new { filename = "burst.avi" });
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        answered.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref unanswered); // the API died under the request: the client does not know
                    return;
                }
            }
        }));

        await Polling.WaitUntilAsync(() => Task.FromResult(answered.Count >= 300), "300 answered creations before the kill", TimeSpan.FromMinutes(1));
        await system.KillAsync(FaultSystemFixture.ApiService);
        await stop.CancelAsync();
        await load;
        await system.StartAsync(FaultSystemFixture.ApiService);

        // A new client: the old one's connections died with the API.
        using var reader = new HttpClient { BaseAddress = _api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        reader.DefaultRequestHeaders.Authorization = account.Authorization;
        var lost = new List<string>();
        foreach (var jobId in answered)
        {
            using var response = await reader.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                lost.Add(jobId);
            }
        }

        output.WriteLine($"{answered.Count} creations answered 201 before the API was killed with SIGKILL, {unanswered} cut off; after the restart {lost.Count} missing");
        Assert.True(unanswered > 0, "no request was in flight when the API died: the kill did not land mid-burst");
        Assert.Empty(lost);
    }

    [Fact]
    public async Task Every_job_completes_with_half_a_second_of_latency_on_each_storage_request()
    {
        const int jobCount = 4;
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        system.StorageProxy.Latency = TimeSpan.FromMilliseconds(500);
        try
        {
            List<string> jobs = [];
            for (var i = 0; i < jobCount; i++)
            {
                jobs.Add(await _api.StartJobAsync(input));
            }

            var outcomes = new List<string>();
            foreach (var jobId in jobs)
            {
                outcomes.Add((await _api.WaitForOutcomeAsync(jobId, BatchTimeout)).Job.GetProperty("status").GetString()!);
            }

            var delayed = system.StorageProxy.DelayedRequests;
            output.WriteLine($"{jobCount} jobs, {system.StorageProxy.Latency.TotalMilliseconds} ms added to each of {delayed} storage requests; outcomes: {string.Join(", ", outcomes)}");
            Assert.All(outcomes, outcome => Assert.Equal("DONE", outcome));
            Assert.True(delayed >= jobCount * 3, $"only {delayed} storage requests went through the delaying proxy");
        }
        finally
        {
            system.StorageProxy.Latency = TimeSpan.Zero;
        }
    }

    private async Task<long> PendingOutboxMessagesAsync()
    {
        await using var database = new SqliteConnection($"Data Source={system.JobDatabasePath};Mode=ReadOnly");
        await database.OpenAsync();
        await using var count = database.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM outbox;";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static Task AssertNotReadyWithoutTheBrokerAsync(HttpClient service) =>
        Polling.WaitUntilAsync(async () =>
        {
            var (status, report) = await service.ReadinessAsync();
            return status == HttpStatusCode.ServiceUnavailable && report.CheckStatus(BrokerCheck) == "Unhealthy" &&
                report.CheckStatus("storage") == "Healthy";
        }, $"{service.BaseAddress} to report the broker down", TimeSpan.FromSeconds(60));

    public void Dispose() => _work.Delete(recursive: true);
}
