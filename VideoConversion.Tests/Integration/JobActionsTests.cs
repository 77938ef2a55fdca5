using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Cancel, retry and delete against the running system: a conversion in progress is stopped with its
/// FFmpeg and scratch, a job canceled in the queue is never converted, a canceled job runs again, and a
/// deleted one leaves nothing behind (its old download link included).
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class JobActionsTests(SystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    /// <summary>The issue's bar: FFmpeg stopped, and the job CANCELED, within this of the request.</summary>
    private static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(5);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-actions-");

    [Fact]
    public async Task Canceling_a_conversion_stops_its_ffmpeg_within_5_s_removes_its_scratch_and_a_retry_converts_it()
    {
        var input = await TestMedia.Mpeg4720pAsync(_work.FullName, "long.avi", seconds: 60);
        var metricsBefore = await system.ApiManagement.ScrapeMetricsAsync();
        var jobId = await _api.StartJobAsync(input);
        var worker = await system.App.ProcessIdAsync(SystemFixture.Worker);
        await Polling.WaitUntilAsync(async () => (await ProcessTree.DescendantsNamedAsync(worker, "ffmpeg")).Count > 0 &&
            (await _api.GetJobAsync(jobId)).GetProperty("status").GetString() == "PROCESSING", "FFmpeg converting the job", JobTimeout);

        Assert.True(ScratchExists(jobId), "the worker's scratch for the job is not where the test looks for it");
        var clock = Stopwatch.StartNew();
        using var canceled = await _api.PostAsync(new Uri($"/jobs/{jobId}/cancel", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal("CANCELED", (await canceled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        await Polling.WaitUntilAsync(async () => (await ProcessTree.DescendantsNamedAsync(worker, "ffmpeg")).Count == 0 && !ScratchExists(jobId),
            "FFmpeg stopped and the scratch removed", StopWithin);
        output.WriteLine($"FFmpeg stopped and scratch removed {clock.ElapsedMilliseconds} ms after the cancel request");

        // Nothing the stopped worker said afterwards changed the job; canceling again is harmless.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("CANCELED", (await _api.GetJobAsync(jobId)).GetProperty("status").GetString());
        using (var again = await _api.PostAsync(new Uri($"/jobs/{jobId}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        PrometheusText.AssertGrew(metricsBefore, await system.ApiManagement.ScrapeMetricsAsync(), "videoconversion_jobs_canceled_total", 1,
            ("videoconversion_job_status", "PROCESSING"));

        // A canceled job whose upload is kept runs again, afresh.
        using var retried = await _api.PostAsync(new Uri($"/jobs/{jobId}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal("PENDING", (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, JobTimeout);
        output.WriteLine($"retried: {string.Join(" → ", seen)}");
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_job_canceled_while_it_waits_in_the_queue_is_never_converted()
    {
        var busy = await _api.StartJobAsync(await TestMedia.Mpeg4720pAsync(_work.FullName, "busy.avi", seconds: 60));
        await Polling.WaitUntilAsync(async () => (await _api.GetJobAsync(busy)).GetProperty("status").GetString() == "PROCESSING",
            "the only worker busy", JobTimeout);
        var waiting = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2));
        var after = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        Assert.Equal("PENDING", (await _api.GetJobAsync(waiting)).GetProperty("status").GetString());

        using (var canceled = await _api.PostAsync(new Uri($"/jobs/{waiting}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        }

        using (var freeTheWorker = await _api.PostAsync(new Uri($"/jobs/{busy}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, freeTheWorker.StatusCode);
        }

        // The worker takes jobs in order: once the one queued after it is done, the canceled one's message has come and gone.
        var (last, _) = await _api.WaitForOutcomeAsync(after, JobTimeout);
        Assert.Equal("DONE", last.GetProperty("status").GetString());
        var job = await _api.GetJobAsync(waiting);
        Assert.Equal("CANCELED", job.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("started_at").ValueKind);
        Assert.Equal(0, job.GetProperty("attempts").GetInt32());
        Assert.False(await system.IsStoredAsync(StorageNames.OutputBucket, StorageNames.OutputKey(waiting)), "the canceled job was converted");
    }

    [Fact]
    public async Task Deleting_a_job_removes_its_files_and_its_old_download_link_stops_working()
    {
        var jobId = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        var (done, _) = await _api.WaitForOutcomeAsync(jobId, JobTimeout);
        Assert.Equal("DONE", done.GetProperty("status").GetString());
        var link = new Uri(done.GetProperty("output_url").GetString()!);
        using var download = new HttpClient();
        using (var before = await download.GetAsync(link, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var inputKey = await InputKeyAsync(jobId);
        using var deleted = await _api.DeleteAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        using (var gone = await _api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative)))
        {
            await gone.AssertProblemAsync(HttpStatusCode.NotFound);
        }

        using (var after = await download.GetAsync(link, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.False(after.IsSuccessStatusCode, $"the old download link still answers {(int)after.StatusCode}");
        }

        Assert.False(await system.IsStoredAsync(StorageNames.OutputBucket, StorageNames.OutputKey(jobId)), "the output is still stored");
        Assert.False(await system.IsStoredAsync(StorageNames.InputBucket, inputKey), "the input is still stored");
        var listed = await _api.GetFromJsonAsync<JsonElement>("/jobs?page_size=100");
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), item => item.GetProperty("job_id").GetString() == jobId);
        using var twice = await _api.DeleteAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        await twice.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Finished_jobs_cannot_be_canceled_only_failed_or_canceled_ones_retried_and_anothers_job_is_not_found()
    {
        var done = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        Assert.Equal("DONE", (await _api.WaitForOutcomeAsync(done, JobTimeout)).Job.GetProperty("status").GetString());
        using (var cancel = await _api.PostAsync(new Uri($"/jobs/{done}/cancel", UriKind.Relative), null))
        {
            var problem = await cancel.AssertProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains("DONE", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        using (var retry = await _api.PostAsync(new Uri($"/jobs/{done}/retry", UriKind.Relative), null))
        {
            await retry.AssertProblemAsync(HttpStatusCode.Conflict);
        }

        // Canceled while its upload was awaited: CANCELED, and with nothing uploaded there is nothing to run again.
        var upload = await _api.RequestUploadAsync("never.avi");
        var awaiting = upload.GetProperty("job_id").GetString()!;
        using (var cancel = await _api.PostAsync(new Uri($"/jobs/{awaiting}/cancel", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("CANCELED", (await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        }

        using (var retry = await _api.PostAsync(new Uri($"/jobs/{awaiting}/retry", UriKind.Relative), null))
        {
            var problem = await retry.AssertProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal("Input no longer stored", problem.GetProperty("title").GetString());
        }

        using (var submit = await _api.SubmitAsync(awaiting))
        {
            await submit.AssertProblemAsync(HttpStatusCode.Conflict);
        }

        using var other = system.ApiClient(system.OtherAccount.ApiKey);
        foreach (var (method, path) in new[] { (HttpMethod.Post, $"/jobs/{done}/cancel"), (HttpMethod.Post, $"/jobs/{done}/retry"), (HttpMethod.Delete, $"/jobs/{done}") })
        {
            using var response = await other.SendAsync(new HttpRequestMessage(method, new Uri(path, UriKind.Relative)));
            await response.AssertProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.Equal("DONE", (await _api.GetJobAsync(done)).GetProperty("status").GetString());
    }

    private static bool ScratchExists(string jobId)
    {
        var root = new VideoConversion.Worker.Conversion.ConversionOptions().ScratchDirectory;
        return Directory.Exists(root) && Directory.GetDirectories(root, $"{jobId}*").Length > 0;
    }

    private async Task<string> InputKeyAsync(string jobId)
    {
        using var storage = await system.StorageClientAsync();
        var keys = new List<string>();
        await foreach (var item in storage.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(StorageNames.InputBucket).WithPrefix(jobId)))
        {
            keys.Add(item.Key);
        }

        return Assert.Single(keys);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
