using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// Cancel and retry where a fault is in the way: a worker that was not running when its job was canceled,
/// and a job that failed through no fault of its file, run again by its owner once the cause is gone.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class CancellationFaultTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(6);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-cancel-faults-");

    [Fact]
    public async Task A_worker_that_started_after_the_cancellation_is_told_again_and_converts_nothing()
    {
        var input = await TestMedia.Mpeg4720pAsync(_work.FullName, "long.avi", seconds: 60);
        await system.KillWorkerAsync();
        var workerStarted = false;
        try
        {
            // Canceled while no worker runs: the cancellation reaches no one, the job's message waits in the queue.
            var jobId = await _api.StartJobAsync(input);
            using (var canceled = await _api.PostAsync(new Uri($"/jobs/{jobId}/cancel", UriKind.Relative), null))
            {
                Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
            }

            await system.StartWorkerAsync();
            workerStarted = true;
            // It takes the message, reports the start, and is told again: it stops before its output exists.
            await Polling.WaitUntilAsync(async () => await QueueDepthAsync() == 0, "the worker taking the canceled job's message", JobTimeout);
            await Polling.WaitUntilAsync(async () => (await system.FFmpegProcessesAsync()).Count == 0, "no FFmpeg left", TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Empty(await system.FFmpegProcessesAsync());
            var job = await _api.GetJobAsync(jobId);
            Assert.Equal("CANCELED", job.GetProperty("status").GetString());
            Assert.False(await system.IsStoredAsync(StorageNames.OutputBucket, StorageNames.OutputKey(jobId)), "the canceled job was converted");

            // The worker is free for the next job.
            var next = await _api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
            Assert.Equal("DONE", (await _api.WaitForOutcomeAsync(next, JobTimeout)).Job.GetProperty("status").GetString());
        }
        finally
        {
            if (!workerStarted)
            {
                await system.StartWorkerAsync();
            }
        }
    }

    [Fact]
    public async Task A_job_that_failed_for_want_of_memory_is_done_when_its_owner_retries_it_with_room()
    {
        var input = Path.Combine(_work.FullName, "prores.mov");
        await TestMedia.FFmpegAsync("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=2", "-c:v", "prores_ks", "-profile:v", "0", input);
        system.WorkerMemoryLimitBytes = 300L * 1024 * 1024;
        await system.RestartWorkerAsync();
        string jobId;
        try
        {
            jobId = await _api.StartJobAsync(input, "video/quicktime");
            var (failed, _) = await _api.WaitForOutcomeAsync(jobId, JobTimeout);
            Assert.Equal("FAILED", failed.GetProperty("status").GetString());
            Assert.Equal(RetryPolicy.GaveUpMessage(FailureCause.OutOfMemory, 3), failed.GetProperty("error").GetString());
        }
        finally
        {
            system.WorkerMemoryLimitBytes = null;
            await system.RestartWorkerAsync();
        }

        using var retried = await _api.PostAsync(new Uri($"/jobs/{jobId}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        var (job, seen) = await _api.WaitForOutcomeAsync(jobId, JobTimeout);
        output.WriteLine($"1 job failed out of memory, retried with room: {string.Join(" → ", seen)}");
        Assert.Equal("DONE", job.GetProperty("status").GetString());
        // A fresh run: its attempts count from 1 again, and the earlier run's error is gone.
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
    }

    private async Task<uint> QueueDepthAsync()
    {
        await using var broker = await system.BrokerConnectionAsync();
        await using var channel = await broker.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(Contracts.Messaging.QueueNames.VideoJobs)).MessageCount;
    }

    public void Dispose() => _work.Delete(recursive: true);
}
