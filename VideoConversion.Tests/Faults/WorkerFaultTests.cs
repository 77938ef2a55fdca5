using System.Globalization;
using System.Text.Json;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// Faults injected into the real running system: the worker process is killed with SIGKILL or
/// stopped with SIGTERM mid-conversion, with the real RabbitMQ, storage, API and FFmpeg around it.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class WorkerFaultTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(8);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-faults-");

    [Fact]
    public async Task Killing_the_worker_mid_conversion_loses_no_job_and_does_none_twice()
    {
        const int jobCount = 20;
        const int kills = 3;
        var metricsBefore = await system.ApiManagement.ScrapeMetricsAsync();
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 3);
        var jobs = new List<string>();
        for (var i = 0; i < jobCount; i++)
        {
            jobs.Add(await _api.StartJobAsync(input));
        }

        // Each kill hits another job on its first attempt: three crashes on one job would rightly make it poison.
        HashSet<string> hit = [];
        for (var kill = 1; kill <= kills; kill++)
        {
            await Polling.WaitUntilAsync(async () => (await JobsAsync(jobs)).Any(job =>
                Status(job) == "PROCESSING" && job.GetProperty("attempts").GetInt32() == 1 &&
                hit.Add(job.GetProperty("job_id").GetString()!)), "a job on its first attempt");
            await system.KillWorkerAsync();
            await system.StartWorkerAsync();
        }

        var finished = await AllOutcomesAsync(jobs);
        var retried = finished.Count(job => job.GetProperty("attempts").GetInt32() > 1);
        output.WriteLine($"{jobCount} jobs, {kills} worker kills (SIGKILL), {retried} jobs retried");

        Assert.All(finished, job => Assert.True(Status(job) == "DONE", $"{job}"));
        Assert.InRange(retried, 1, kills);
        // The API counts each retry as it sees a higher attempt: the same number the jobs show.
        var retries = finished.Sum(job => job.GetProperty("attempts").GetInt32() - 1);
        PrometheusText.AssertGrew(metricsBefore, await system.ApiManagement.ScrapeMetricsAsync(), "videoconversion_jobs_retried_total", retries);
        foreach (var job in finished)
        {
            await AssertPlayableOutputAsync(job);
        }
    }

    [Fact]
    public async Task A_job_that_keeps_killing_workers_is_dead_lettered_after_three_attempts_while_others_flow()
    {
        var apiBefore = await system.ApiManagement.ScrapeMetricsAsync();
        var poison = await _api.StartJobAsync(await InputTakingAsync("poison.avi", TimeSpan.FromSeconds(10)));
        var healthy = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2));

        // Each time the poison job starts an attempt, its worker dies, as a worker would on a crashing input.
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            await Polling.WaitUntilAsync(async () =>
            {
                var job = await _api.GetJobAsync(poison);
                return Status(job) == "PROCESSING" && job.GetProperty("attempts").GetInt32() == attempt;
            }, $"attempt {attempt} of the poison job");
            await system.KillWorkerAsync();
            await system.StartWorkerAsync();
        }

        var (failed, seen) = await _api.WaitForOutcomeAsync(poison, BatchTimeout);
        var (done, _) = await _api.WaitForOutcomeAsync(healthy, BatchTimeout);
        output.WriteLine($"2 jobs, 3 worker kills; poison job: {string.Join(" → ", seen)}");

        Assert.Equal("FAILED", Status(failed));
        Assert.Equal(
            "The conversion was interrupted 3 times (the worker stopped or crashed each time), so the job was set aside.",
            failed.GetProperty("error").GetString());
        Assert.Equal(3, failed.GetProperty("attempts").GetInt32());
        Assert.Equal("DONE", Status(done));

        // Set aside by the broker's dead-letter queue or by the worker's own attempt count: the API
        // counts it once either way.
        var apiAfter = await system.ApiManagement.ScrapeMetricsAsync();
        Assert.Equal(1, apiAfter.Sum("videoconversion_jobs_dead_lettered_total") - apiBefore.Sum("videoconversion_jobs_dead_lettered_total"));
        PrometheusText.AssertGrew(apiBefore, apiAfter, "videoconversion_jobs_retried_total", 2);
        PrometheusText.AssertGrew(apiBefore, apiAfter, "videoconversion_jobs_completed_total", 1, ("videoconversion_job_outcome", "failed"));
    }

    [Fact]
    public async Task The_queue_depth_gauge_counts_the_jobs_waiting_while_no_worker_runs()
    {
        var video = ("messaging_destination_name", "video_jobs");
        await system.KillWorkerAsync();
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1);
        List<string> jobs = [];
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await _api.StartJobAsync(input));
        }

        // Read from the broker by the API: three jobs ready, no consumer.
        await Polling.WaitUntilAsync(async () =>
        {
            var metrics = await system.ApiManagement.ScrapeMetricsAsync();
            return metrics.Sum("videoconversion_queue_messages", video) >= 3 && metrics.Sum("videoconversion_queue_consumers", video) == 0;
        }, "the gauges to show 3 jobs waiting and no worker", TimeSpan.FromSeconds(60));

        await system.StartWorkerAsync();
        var outcomes = await AllOutcomesAsync(jobs);
        Assert.All(outcomes, job => Assert.Equal("DONE", Status(job)));
        await Polling.WaitUntilAsync(async () =>
        {
            var metrics = await system.ApiManagement.ScrapeMetricsAsync();
            return metrics.Sum("videoconversion_queue_messages", video) == 0 && metrics.Sum("videoconversion_queue_consumers", video) >= 1;
        }, "the gauges to show the queue drained by a worker", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Sigterm_mid_conversion_lets_the_job_finish_within_the_grace_period_and_the_worker_exit_cleanly()
    {
        // About a third of the drain period to convert: it finishes well within it.
        var jobId = await _api.StartJobAsync(await InputTakingAsync("short.avi", FaultSystemFixture.WorkerDrainTimeout / 3));
        await Polling.WaitUntilAsync(async () => (await _api.GetJobAsync(jobId)).GetProperty("progress").GetInt32() >= 5, "conversion progress");

        var signalled = DateTimeOffset.UtcNow;
        var exitCode = await system.TerminateWorkerAsync(FaultSystemFixture.WorkerDrainTimeout + TimeSpan.FromSeconds(30));
        var job = await _api.GetJobAsync(jobId);
        output.WriteLine($"1 job, 1 SIGTERM; worker exit code {exitCode}; job {Status(job)} after {job.GetProperty("attempts")} attempt(s)");
        await system.StartWorkerAsync();

        Assert.Equal(0, exitCode);
        Assert.Equal("DONE", Status(job));
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.True(job.GetProperty("finished_at").GetDateTimeOffset() > signalled, "the job must have finished after the signal");
    }

    [Fact]
    public async Task Sigterm_past_the_grace_period_hands_the_job_back_and_another_worker_finishes_it()
    {
        // Four drain periods to convert: it cannot finish within one.
        var jobId = await _api.StartJobAsync(await InputTakingAsync("long.avi", FaultSystemFixture.WorkerDrainTimeout * 4));
        await Polling.WaitUntilAsync(async () => (await _api.GetJobAsync(jobId)).GetProperty("progress").GetInt32() >= 1, "conversion progress");

        var exitCode = await system.TerminateWorkerAsync(FaultSystemFixture.WorkerDrainTimeout + TimeSpan.FromSeconds(30));
        var handedBack = await _api.GetJobAsync(jobId);
        await system.StartWorkerAsync();
        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, BatchTimeout);
        output.WriteLine($"1 job, 1 SIGTERM past the {FaultSystemFixture.WorkerDrainTimeout} grace; exit code {exitCode}; {string.Join(" → ", seen)}");

        Assert.Equal(0, exitCode);
        Assert.NotEqual("DONE", Status(handedBack));
        Assert.Equal("DONE", Status(job));
        // Handed back on a shutdown, not failed: the attempt is not counted, whatever the broker counts for the return.
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Every_job_completes_with_every_core_busy()
    {
        const int jobCount = 5;
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 3);
        // One busy loop per core, as another tenant of the machine would run.
        var hogs = Enumerable.Range(0, Environment.ProcessorCount)
            .Select(_ => System.Diagnostics.Process.Start("sh", ["-c", "while :; do :; done"]))
            .ToList();
        try
        {
            List<string> jobs = [];
            for (var i = 0; i < jobCount; i++)
            {
                jobs.Add(await _api.StartJobAsync(input));
            }

            var finished = await AllOutcomesAsync(jobs);
            output.WriteLine($"{jobCount} jobs, {hogs.Count} busy loops on {Environment.ProcessorCount} cores; outcomes: {string.Join(", ", finished.Select(Status))}");
            Assert.All(finished, job => Assert.Equal("DONE", Status(job)));
        }
        finally
        {
            foreach (var hog in hogs)
            {
                hog.Kill();
                hog.Dispose();
            }
        }
    }

    private Task<string> InputTakingAsync(string fileName, TimeSpan conversionTime) =>
        _api.InputTakingAsync(_work.FullName, fileName, conversionTime, BatchTimeout);

    private async Task<List<JsonElement>> JobsAsync(IEnumerable<string> jobIds)
    {
        List<JsonElement> jobs = [];
        foreach (var jobId in jobIds)
        {
            jobs.Add(await _api.GetJobAsync(jobId));
        }

        return jobs;
    }

    private async Task<List<JsonElement>> AllOutcomesAsync(IEnumerable<string> jobIds)
    {
        List<JsonElement> jobs = [];
        foreach (var jobId in jobIds)
        {
            jobs.Add((await _api.WaitForOutcomeAsync(jobId, BatchTimeout)).Job);
        }

        return jobs;
    }

    private async Task AssertPlayableOutputAsync(JsonElement job)
    {
        var path = Path.Combine(_work.FullName, job.GetProperty("job_id").GetString() + ".mp4");
        using (var http = new HttpClient())
        {
            await File.WriteAllBytesAsync(path, await http.GetByteArrayAsync(new Uri(job.GetProperty("output_url").GetString()!)));
        }

        Assert.Equal(new FileInfo(path).Length, job.GetProperty("output_bytes").GetInt64());
        await OutputContract.AssertBrowserPlayableAsync(path, new ExpectedOutput(320, 240, true, 3, "transcode"));
    }

    private static string Status(JsonElement job) => job.GetProperty("status").GetString()!;

    public void Dispose() => _work.Delete(recursive: true);
}
