using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.LoadTest;

/// <summary>
/// The load tool's kill-worker fault on the local system: it SIGKILLs the converting worker; a
/// supervisor (here the test, on Kubernetes the Deployment) starts a new one; no job is lost.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class ChaosKillWorkerTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-chaos-");

    [Fact]
    public async Task Killing_a_worker_during_a_load_run_loses_no_job()
    {
        // 720p MPEG-4 Part 2 of 20 s: seconds of conversion, so the kill finds the job in hand.
        var input = await TestMedia.Mpeg4720pAsync(_work.FullName, "chaos.avi", seconds: 20);
        var run = LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), TimeSpan.FromMinutes(10),
            "chaos", "--test", "kill-worker", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey, "--num-jobs", "4", "--concurrency", "2", "--video-file", input);

        // Play the supervisor: once the tool has killed the worker, start another.
        await system.WaitForWorkerToStopAsync(TimeSpan.FromMinutes(5));
        await system.StartWorkerAsync();
        var (exitCode, text, report, _) = await run;
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var findings = report.GetProperty("findings").EnumerateArray().Select(finding => finding.GetString()!).ToList();
        Assert.Contains("Jobs lost: **0** of 4 (must be 0)", findings);
        Assert.Contains(report.GetProperty("events").EnumerateArray(), line => line.GetString()!.Contains("SIGKILL", StringComparison.Ordinal));
        Assert.Contains(report.GetProperty("jobs").EnumerateArray(), job => job.GetProperty("attempts").GetInt32() > 1);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
