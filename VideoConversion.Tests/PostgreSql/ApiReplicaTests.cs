using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using VideoConversion.Api.Coordination;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.PostgreSql;

/// <summary>
/// Two API replicas on one PostgreSQL database: both take requests, the outbox is published once whoever dispatches it,
/// a replica's crash loses nothing it accepted, and the duties that must run once run on one replica at a time.
/// </summary>
[Collection(ReplicatedSystem.Name)]
public sealed class ApiReplicaTests(ReplicatedSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ConversionTimeout = TimeSpan.FromMinutes(8);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-replicas-");

    [Fact]
    public async Task Two_hundred_concurrent_submissions_over_two_replicas_each_end_done_once_and_leave_no_outbox_row()
    {
        const int submissions = 200;
        var replicas = await system.RunningApiReplicasAsync();
        var video = await TinyVideoAsync();
        using var broker = await BrokerManagement.ConnectAsync(system.App);
        var publishedBefore = await SettledPublishedAsync(broker);
        using var api = system.BalancedApiClient((await system.CreateAccountAsync("replicas")).ApiKey, TimeSpan.FromMinutes(2), replicas);
        var completedBefore = await CompletedJobsAsync(replicas);

        // Each client at once: asks for an upload, PUTs the file and submits the job (POST /jobs), as any client does.
        string[] jobIds;
        try
        {
            jobIds = await Task.WhenAll(Enumerable.Range(0, submissions).Select(_ => api.SubmitJobAsync(video, "video/mp4")));
        }
        catch (Xunit.Sdk.XunitException)
        {
            // What the replicas logged as errors: the cause of a 500, which the answer itself does not say.
            foreach (var log in system.Telemetry.Logs.Where(log => log.Service == SystemFixture.ApiService &&
                         (log.Attributes.ContainsKey("exception.type") || log.Category.Contains("DatabaseWriter", StringComparison.Ordinal))).Take(10))
            {
                output.WriteLine($"{log} {string.Join("; ", log.Attributes.Select(attribute => $"{attribute.Key}={attribute.Value}"))}");
            }

            throw;
        }

        // Both replicas served the burst: each one's own request count grew (read from each, not through the proxy).
        foreach (var replica in replicas)
        {
            var served = await ServedJobSubmissionsAsync(replica);
            output.WriteLine($"{replica.ResourceId} ({replica.Http}): {served} POST /jobs");
            Assert.True(served > 0, $"{replica.ResourceId} served no POST /jobs: the load did not reach both replicas");
        }

        await using var database = await system.OpenJobDatabaseAsync();
        var (done, attempts) = await WaitUntilDoneAsync(database, jobIds);
        Assert.Equal(submissions, done);
        // Each converted once: one attempt each, and the broker received one queue message per job, not two.
        Assert.Equal(submissions, attempts);
        Assert.Equal(submissions, await SettledPublishedAsync(broker) - publishedBefore);
        Assert.Equal(0L, await CountAsync(database, """SELECT count(*) FROM outbox WHERE "JobId" = ANY(@ids)""", jobIds));
        // Each outcome counted by the one replica that applied it: summed over the replicas, 200, not 400.
        Assert.Equal(submissions, await CompletedJobsAsync(replicas) - completedBefore);
    }

    [Fact]
    public async Task A_replica_killed_mid_burst_leaves_the_other_serving_and_loses_no_job_it_accepted()
    {
        const int clients = 6;
        const int jobsPerClient = 10;
        var replicas = await system.RunningApiReplicasAsync();
        var victim = replicas[0];
        var video = await TinyVideoAsync();
        using var api = system.BalancedApiClient((await system.CreateAccountAsync("replica-crash")).ApiKey, TimeSpan.FromMinutes(1), replicas);
        var accepted = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refusedAfterKill = 0;
        var acceptedAfterKill = 0;
        var killed = new TaskCompletionSource<CrashedReplica>();
        var started = 0;

        async Task ClientAsync()
        {
            for (var i = 0; i < jobsPerClient; i++)
            {
                var index = Interlocked.Increment(ref started);
                if (index == clients * jobsPerClient / 3)
                {
                    // A third of the way in, with requests in flight: kill -9 of one replica.
                    // A kill that fails fails the burst (its waiting half sees the cause), rather than leaving it waiting.
                    _ = Task.Run(async () =>
                    {
                        try
                        {
                            killed.TrySetResult(await system.KillAsync(victim));
                        }
                        catch (Exception exception)
                        {
                            killed.TrySetException(exception);
                        }
                    });
                }

                if (index > clients * jobsPerClient / 2)
                {
                    // The burst's second half meets the replica dead, however fast its first half was answered: on a quick
                    // machine the whole burst could otherwise end before the kill had finished, leaving no call after it.
                    await killed.Task;
                }

                var afterKill = killed.Task.IsCompleted;
                try
                {
                    accepted.Add(await api.SubmitJobAsync(video, "video/mp4"));
                    if (afterKill)
                    {
                        Interlocked.Increment(ref acceptedAfterKill);
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or Xunit.Sdk.XunitException or TaskCanceledException)
                {
                    // A request the dead replica held (or a refusal while it died): not accepted, so nothing to keep.
                    if (afterKill)
                    {
                        Interlocked.Increment(ref refusedAfterKill);
                    }

                    output.WriteLine($"not accepted{(afterKill ? " (after the kill)" : "")}: {exception.GetType().Name}: {exception.Message}");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => ClientAsync()));
        var crashed = await killed.Task;
        output.WriteLine($"accepted {accepted.Count} of {clients * jobsPerClient}; after the kill {acceptedAfterKill} accepted, {refusedAfterKill} not");
        Assert.True(acceptedAfterKill > 0, "no job was accepted after one replica died: the other did not keep serving");

        await system.RestartAsync(crashed);
        // Every job a replica answered 202 for, the dead one's included, is converted: none lost with its process.
        await using var database = await system.OpenJobDatabaseAsync();
        var (done, _) = await WaitUntilDoneAsync(database, [.. accepted]);
        Assert.Equal(accepted.Count, done);
        Assert.Equal(0L, await CountAsync(database, """SELECT count(*) FROM outbox WHERE "JobId" = ANY(@ids)""", [.. accepted]));
    }

    [Fact]
    public async Task The_once_only_duties_run_on_one_replica_each_and_move_to_the_other_when_it_dies()
    {
        var replicas = await system.RunningApiReplicasAsync();
        var holders = await SingleHoldersAsync(replicas);
        var victim = holders[ReplicaDuties.QueueDepthMonitor];

        var crashed = await system.KillAsync(victim);
        var survivor = replicas.Single(replica => replica.ResourceId != victim.ResourceId);
        // Its lease connections gone with the process, the server releases the dead replica's locks: the survivor takes them.
        await Polling.WaitUntilAsync(async () => (await HeldDutiesAsync(survivor)).Count == Duties.Count,
            $"{survivor.ResourceId} to take every duty over after {victim.ResourceId} died", TimeSpan.FromMinutes(1));

        await system.RestartAsync(crashed);
        var after = await SingleHoldersAsync(await system.RunningApiReplicasAsync());
        // The restarted replica waits: every duty stays where it is.
        Assert.All(Duties, duty => Assert.Equal(survivor.ResourceId, after[duty].ResourceId));
    }

    [Fact]
    public async Task A_multipart_upload_whose_calls_alternate_between_the_replicas_completes_and_converts()
    {
        var replicas = await system.RunningApiReplicasAsync();
        // The balancer sends each request to the next replica: every call below goes to the other replica than the last.
        using var api = system.BalancedApiClient((await system.CreateAccountAsync("replica-parts")).ApiKey, TimeSpan.FromMinutes(2), replicas);
        using var storage = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var input = await TestMedia.VideoOfPartsAsync(_work.FullName, 3, SystemFixture.PartBytes);
        var content = await File.ReadAllBytesAsync(input);

        using var requested = await api.PostAsJsonAsync("/upload/request",
            new { filename = "parts.avi", content_type = "video/x-msvideo", size_bytes = content.Length, upload_type = "multipart" });
        Assert.Equal(HttpStatusCode.Created, requested.StatusCode);
        var ticket = await requested.Content.ReadFromJsonAsync<JsonElement>();
        var jobId = ticket.GetProperty("job_id").GetString()!;
        Assert.Equal(3, ticket.GetProperty("part_count").GetInt32());

        // Each part's URL asked for alone, so the three requests land on alternating replicas.
        var etags = new List<object>();
        for (var number = 1; number <= 3; number++)
        {
            using var signed = await api.PostAsJsonAsync($"/uploads/{jobId}/parts", new { part_numbers = new[] { number } });
            Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
            var url = (await signed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parts")[0].GetProperty("url").GetString()!;
            var offset = (int)((number - 1) * SystemFixture.PartBytes);
            using var put = await storage.PutAsync(new Uri(url),
                new ByteArrayContent(content, offset, (int)Math.Min(SystemFixture.PartBytes, content.Length - offset)));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            etags.Add(new { part_number = number, etag = put.Headers.ETag!.Tag.Trim('"') });
        }

        var held = await api.GetFromJsonAsync<JsonElement>($"/uploads/{jobId}/parts");
        Assert.Equal(3, held.GetProperty("parts").GetArrayLength());
        // Completed on one replica, and asked again on the other (the first answer lost on the way): the same job, no error.
        using (var completed = await api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = etags }))
        using (var again = await api.PostAsJsonAsync($"/uploads/{jobId}/complete", new { parts = etags }))
        {
            Assert.Equal(HttpStatusCode.Accepted, completed.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        var (job, seen) = await api.WaitForOutcomeAsync(jobId, ConversionTimeout);
        Assert.True(job.GetProperty("status").GetString() == "DONE", $"statuses: {string.Join(" → ", seen)}; error {job.GetProperty("error")}");
        Assert.Equal(content.Length, job.GetProperty("input_bytes").GetInt64());
    }

    [Fact]
    public async Task The_retention_sweeper_sweeps_on_the_replica_holding_its_duty_and_nowhere_else()
    {
        var replicas = await system.RunningApiReplicasAsync();
        var holder = (await SingleHoldersAsync(replicas))[ReplicaDuties.RetentionSweeper];
        var before = await SweepsAsync(replicas);
        // Ten of the fixture's 2-second sweep intervals.
        await Task.Delay(TimeSpan.FromSeconds(20));
        var after = await SweepsAsync(replicas);

        foreach (var replica in replicas)
        {
            var swept = after[replica.ResourceId] - before[replica.ResourceId];
            output.WriteLine($"{replica.ResourceId}: {swept} sweeps in 20 s");
            if (replica.ResourceId == holder.ResourceId)
            {
                Assert.InRange(swept, 2.0, 11.0); // at most one sweep an interval (ten), fewer when sweeps are slow on a busy machine
            }
            else
            {
                Assert.Equal(0.0, swept);
            }
        }
    }

    [Fact]
    public async Task Replicas_started_together_share_one_key_ring_and_accept_each_others_sign_ins()
    {
        var replicas = await system.RunningApiReplicasAsync();
        await using (var database = await system.OpenJobDatabaseAsync())
        await using (var keys = new NpgsqlCommand("SELECT count(*) FROM data_protection_keys", database))
        {
            // Both started at once on an empty database: the first made the key, the second waited and loaded it.
            Assert.Equal(1L, (long)(await keys.ExecuteScalarAsync())!);
        }

        // A sign-in token is protected with the ring's key by the replica that signs in, and read by whichever gets the
        // next request.
        foreach (var signer in replicas)
        {
            using var signing = new HttpClient { BaseAddress = signer.Http, Timeout = TimeSpan.FromSeconds(30) };
            var token = await TestAccount.SignInAsync(signing, "admin", system.AdministratorPassword);
            foreach (var reader in replicas.Where(replica => replica.ResourceId != signer.ResourceId))
            {
                using var reading = new HttpClient { BaseAddress = reader.Http, Timeout = TimeSpan.FromSeconds(30) };
                using var request = new HttpRequestMessage(HttpMethod.Get, "/jobs?page=1&page_size=1");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                using var response = await reading.SendAsync(request);
                Assert.True(response.IsSuccessStatusCode,
                    $"{reader.ResourceId} refused a token {signer.ResourceId} made: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    public void Dispose() => _work.Delete(recursive: true);

    private static IReadOnlyList<string> Duties => ReplicaDuties.All;

    /// <summary>
    /// Each once-only duty is held by exactly one replica, and only the queue monitor's holder exports the queue gauges (so
    /// the series a dashboard sums are not doubled). Duties are taken a few seconds after start, so this waits for it.
    /// </summary>
    private static async Task<Dictionary<string, ApiReplica>> SingleHoldersAsync(IReadOnlyList<ApiReplica> replicas)
    {
        var holders = new Dictionary<string, ApiReplica>(StringComparer.Ordinal);
        await Polling.WaitUntilAsync(async () =>
        {
            holders.Clear();
            var exportingQueueGauges = new List<ApiReplica>();
            foreach (var replica in replicas)
            {
                foreach (var duty in await HeldDutiesAsync(replica))
                {
                    if (!holders.TryAdd(duty, replica))
                    {
                        return false; // two holders of one duty: never right, but a test must not fail on a half-read
                    }
                }

                if ((await MetricsAsync(replica)).Has("videoconversion_queue_messages"))
                {
                    exportingQueueGauges.Add(replica);
                }
            }

            return holders.Count == Duties.Count && exportingQueueGauges.Count == 1 &&
                   exportingQueueGauges[0].ResourceId == holders[ReplicaDuties.QueueDepthMonitor].ResourceId;
        }, "each once-only duty held by one replica, and the queue gauges exported by its holder alone", TimeSpan.FromMinutes(1));
        return holders;
    }

    /// <summary>The duties this replica's lease gauge says it holds (1; a replica waiting for a duty reports 0).</summary>
    private static async Task<List<string>> HeldDutiesAsync(ApiReplica replica)
    {
        var metrics = await MetricsAsync(replica);
        return Duties.Where(duty => metrics.Sum("videoconversion_replica_leases", ("videoconversion_replica_duty", duty)) == 1).ToList();
    }

    private static async Task<PrometheusText> MetricsAsync(ApiReplica replica)
    {
        using var http = new HttpClient { BaseAddress = replica.Management, Timeout = TimeSpan.FromSeconds(30) };
        return await http.ScrapeMetricsAsync();
    }

    /// <summary>Jobs that reached an outcome, summed over the replicas' own counters (read from each, not through the proxy).</summary>
    private static async Task<double> CompletedJobsAsync(IReadOnlyList<ApiReplica> replicas)
    {
        var completed = 0.0;
        foreach (var replica in replicas)
        {
            completed += (await MetricsAsync(replica)).Sum("videoconversion_jobs_completed_total");
        }

        return completed;
    }

    /// <summary>Each replica's completed retention sweeps so far, by resource id.</summary>
    private static async Task<Dictionary<string, double>> SweepsAsync(IReadOnlyList<ApiReplica> replicas)
    {
        var sweeps = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            sweeps[replica.ResourceId] = (await MetricsAsync(replica)).Sum("videoconversion_retention_sweeps_total");
        }

        return sweeps;
    }

    /// <summary>POST /jobs requests this replica answered, from its own HTTP server metrics.</summary>
    private static async Task<double> ServedJobSubmissionsAsync(ApiReplica replica) =>
        (await MetricsAsync(replica)).Sum("http_server_request_duration_seconds_count", ("http_request_method", "POST"), ("http_route", "/jobs/"));

    /// <summary>Polls the database until every job is finished; returns how many are DONE and their attempts added up.</summary>
    private static async Task<(int Done, long Attempts)> WaitUntilDoneAsync(NpgsqlConnection database, string[] jobIds)
    {
        var deadline = DateTime.UtcNow + ConversionTimeout;
        while (true)
        {
            await using var query = new NpgsqlCommand(
                """
                SELECT count(*) FILTER (WHERE "Status" IN ('Done', 'Failed', 'Canceled', 'Expired')),
                       count(*) FILTER (WHERE "Status" = 'Done'), COALESCE(sum("Attempts"), 0), string_agg(DISTINCT "Status", ',')
                FROM jobs WHERE "Id" = ANY(@ids)
                """, database);
            query.Parameters.AddWithValue("ids", jobIds);
            await using var row = await query.ExecuteReaderAsync();
            await row.ReadAsync();
            var (finished, done, attempts, statuses) = (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2), row.IsDBNull(3) ? "" : row.GetString(3));
            if (finished == jobIds.Length)
            {
                return ((int)done, attempts);
            }

            Assert.True(DateTime.UtcNow < deadline, $"{jobIds.Length - finished} of {jobIds.Length} jobs unfinished after {ConversionTimeout}; statuses: {statuses}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection database, string sql, string[] jobIds)
    {
        await using var query = new NpgsqlCommand(sql, database);
        query.Parameters.AddWithValue("ids", jobIds);
        return (long)(await query.ExecuteScalarAsync())!;
    }

    /// <summary>The broker's publish count once it stopped moving (its statistics lag a few seconds behind); at most 3 minutes.</summary>
    private static async Task<long> SettledPublishedAsync(BrokerManagement broker)
    {
        var last = await broker.PublishedAsync(QueueNames.VideoJobs);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the broker's publish count of {QueueNames.VideoJobs} still moving after 3 minutes ({last})");
            await Task.Delay(TimeSpan.FromSeconds(6));
            var now = await broker.PublishedAsync(QueueNames.VideoJobs);
            if (now == last)
            {
                return now;
            }

            last = now;
        }
    }

    /// <summary>A second of small H.264 in MP4: the cheapest job there is (a remux), so hundreds convert in minutes.</summary>
    private async Task<string> TinyVideoAsync()
    {
        var path = Path.Combine(_work.FullName, "tiny.mp4");
        if (!File.Exists(path))
        {
            await TestMedia.FFmpegAsync("-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-movflags", "+faststart", path);
        }

        return path;
    }
}
