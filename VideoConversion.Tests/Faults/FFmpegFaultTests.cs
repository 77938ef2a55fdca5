using System.Globalization;
using System.Text.Json;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;
using Xunit.Abstractions;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// FFmpeg itself killed, out of memory, or looked at from outside, in the real running system: a
/// good video is never failed for a fault of the system, and FFmpeg holds no secret.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class FFmpegFaultTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan BatchTimeout = TimeSpan.FromMinutes(8);

    private readonly HttpClient _api = system.Api;
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-ffmpeg-faults-");

    [Fact]
    public async Task Killing_ffmpeg_again_and_again_during_a_batch_fails_no_job()
    {
        const int jobCount = 10;
        const int kills = 4;
        var metricsBefore = await system.ApiManagement.ScrapeMetricsAsync();
        var input = await TestMedia.Mpeg4720pAsync(_work.FullName, "batch.avi", seconds: 8);
        List<string> jobs = [];
        for (var i = 0; i < jobCount; i++)
        {
            jobs.Add(await _api.StartJobAsync(input));
        }

        // kill -9, as the kernel's OOM killer does, each time to another job's FFmpeg: a job killed
        // three times would rightly end FAILED, and that case has its own test.
        HashSet<string> killed = [];
        var deadline = DateTime.UtcNow + BatchTimeout;
        while (killed.Count < kills && DateTime.UtcNow < deadline)
        {
            foreach (var (pid, commandLine) in await system.FFmpegProcessesAsync())
            {
                if (jobs.FirstOrDefault(commandLine.Contains) is { } jobId && !killed.Contains(jobId))
                {
                    await Task.Delay(300); // mid-conversion, not at its first instruction
                    var kill = await ProcessRunner.RunAsync(
                        "kill", ["-KILL", pid.ToString(CultureInfo.InvariantCulture)], Environment.CurrentDirectory, TimeSpan.FromSeconds(10), null, CancellationToken.None);
                    if (kill.ExitCode == 0)
                    {
                        killed.Add(jobId); // it was still running: killed mid-conversion
                    }

                    break;
                }
            }

            await Task.Delay(50);
        }

        var finished = new List<JsonElement>();
        foreach (var jobId in jobs)
        {
            finished.Add((await _api.WaitForOutcomeAsync(jobId, BatchTimeout)).Job);
        }

        var retried = finished.Count(job => job.GetProperty("attempts").GetInt32() > 1);
        output.WriteLine($"{jobCount} jobs, {killed.Count} FFmpeg kills (SIGKILL), {retried} jobs retried");
        Assert.Equal(kills, killed.Count);
        Assert.All(finished, job => Assert.True(job.GetProperty("status").GetString() == "DONE", job.ToString()));
        Assert.All(finished.Where(job => killed.Contains(job.GetProperty("job_id").GetString()!)),
            job => Assert.Equal(2, job.GetProperty("attempts").GetInt32()));
        // Each kill was reported to the API as a fault of the system, and retried.
        PrometheusText.AssertGrew(metricsBefore, await system.ApiManagement.ScrapeMetricsAsync(), "videoconversion_attempts_failed_total", kills,
            ("videoconversion_failure_cause", "OutOfMemory"), ("videoconversion_retry_decision", "retry"));
    }

    [Fact]
    public async Task An_ffmpeg_out_of_memory_on_every_attempt_fails_after_three_with_the_memory_message()
    {
        var input = Path.Combine(_work.FullName, "prores.mov");
        await TestMedia.FFmpegAsync("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=2", "-c:v", "prores_ks", "-profile:v", "0", input);
        // Room for FFmpeg's libraries, not for x264's 1080p buffers: the cap FFmpeg runs under in this worker.
        var metricsBefore = await system.ApiManagement.ScrapeMetricsAsync();
        system.WorkerMemoryLimitBytes = 300L * 1024 * 1024;
        await system.RestartWorkerAsync();
        try
        {
            var jobId = await _api.StartJobAsync(input, "video/quicktime");
            var (job, seen) = await _api.WaitForOutcomeAsync(jobId, BatchTimeout);
            output.WriteLine($"1 job under a 300 MiB cap: {string.Join(" → ", seen)}");

            Assert.Equal("FAILED", job.GetProperty("status").GetString());
            Assert.Equal(3, job.GetProperty("attempts").GetInt32());
            Assert.Equal(RetryPolicy.GaveUpMessage(FailureCause.OutOfMemory, 3), job.GetProperty("error").GetString());
            Assert.Contains("ran out of memory 3 times", job.GetProperty("error").GetString(), StringComparison.Ordinal);
            var metricsAfter = await system.ApiManagement.ScrapeMetricsAsync();
            PrometheusText.AssertGrew(metricsBefore, metricsAfter, "videoconversion_attempts_failed_total", 2,
                ("videoconversion_failure_cause", "OutOfMemory"), ("videoconversion_retry_decision", "retry"));
            PrometheusText.AssertGrew(metricsBefore, metricsAfter, "videoconversion_attempts_failed_total", 1,
                ("videoconversion_failure_cause", "OutOfMemory"), ("videoconversion_retry_decision", "fail"));
        }
        finally
        {
            system.WorkerMemoryLimitBytes = null;
            await system.RestartWorkerAsync();
        }
    }

    [Fact]
    public async Task A_running_ffmpeg_has_no_secret_in_its_environment()
    {
        var jobId = await _api.StartJobAsync(await TestMedia.Mpeg4720pAsync(_work.FullName, "environ.avi", seconds: 20));
        var ffmpeg = await Polling.WaitForAsync(async () =>
            (await system.FFmpegProcessesAsync()).Where(process => process.CommandLine.Contains(jobId, StringComparison.Ordinal))
                .Select(process => process.Pid.ToString(CultureInfo.InvariantCulture)).FirstOrDefault(),
            "FFmpeg converting the job", TimeSpan.FromMinutes(2));

        var environment = (await File.ReadAllTextAsync($"/proc/{ffmpeg}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var workerEnvironment = await File.ReadAllTextAsync($"/proc/{await system.ProcessIdAsync(FaultSystemFixture.Worker)}/environ");
        output.WriteLine($"FFmpeg {ffmpeg}'s environment: {string.Join(' ', environment)}");

        Assert.Equal(["LC_ALL=C"], environment);
        // The worker does hold them: this is what FFmpeg must not inherit.
        Assert.Contains("ConnectionStrings__storage=", workerEnvironment, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__messaging=", workerEnvironment, StringComparison.Ordinal);
        var (done, _) = await _api.WaitForOutcomeAsync(jobId, BatchTimeout);
        Assert.Equal("DONE", done.GetProperty("status").GetString());
    }

    public void Dispose() => _work.Delete(recursive: true);
}
