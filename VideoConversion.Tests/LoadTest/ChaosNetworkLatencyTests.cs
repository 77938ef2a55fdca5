using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using Xunit.Abstractions;

namespace VideoConversion.Tests.LoadTest;

/// <summary>
/// The load tool's network-latency fault: tc netem delays every packet to and from storage during
/// a load run; every job still ends DONE, and the delay is gone afterwards. It needs root (CI runs
/// as root); without it the tool must say so.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class ChaosNetworkLatencyTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-latency-");

    [Fact]
    public async Task Delaying_storage_traffic_slows_jobs_but_loses_none_and_is_undone_afterwards()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var (exitCode, text, report, _) = await LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), TimeSpan.FromMinutes(10),
            "chaos", "--test", "network-latency", "--latency", "100ms", "--api-url", system.Api.BaseAddress!.ToString(),
            "--num-jobs", "3", "--concurrency", "3", "--video-file", input);
        output.WriteLine(text);

        if (Environment.UserName != "root")
        {
            Assert.Equal(2, exitCode);
            Assert.Contains("needs root", text, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(0, exitCode);
        var findings = report.GetProperty("findings").EnumerateArray().Select(finding => finding.GetString()!).ToList();
        Assert.Contains("Jobs lost: **0** of 3 (must be 0)", findings);
        Assert.Contains(report.GetProperty("events").EnumerateArray(), line => line.GetString()!.Contains("network-latency: 100ms", StringComparison.Ordinal));
        var qdiscs = await ProcessRunner.RunAsync("tc", ["qdisc", "show", "dev", "lo"], _work.FullName, TimeSpan.FromSeconds(10), null, CancellationToken.None);
        Assert.DoesNotContain("netem", qdiscs.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);
}
