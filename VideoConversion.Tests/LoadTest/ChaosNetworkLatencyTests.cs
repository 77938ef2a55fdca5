using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using Xunit.Abstractions;

namespace VideoConversion.Tests.LoadTest;

/// <summary>
/// The load tool's network-latency fault: tc netem delays every packet to and from storage during
/// a load run; every job still ends DONE, and the delay is gone afterwards. It needs root and a
/// kernel with the prio and netem qdiscs; where they are missing the tool must say so and leave nothing behind.
/// </summary>
[Collection(FaultySystem.Name)]
public sealed class ChaosNetworkLatencyTests(FaultSystemFixture system, ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-latency-");

    [Fact]
    public async Task Delaying_storage_traffic_slows_jobs_but_loses_none_and_is_undone_afterwards()
    {
        var input = await TestMedia.MjpegAviAsync(_work.FullName, seconds: 2);
        var netem = await KernelHasNetemAsync();
        var (exitCode, text, report, _) = await LoadTestTool.RunAsync(Path.Combine(_work.FullName, "out"), TimeSpan.FromMinutes(10),
            "chaos", "--test", "network-latency", "--latency", "100ms", "--api-url", system.Api.BaseAddress!.ToString(), "--api-key", system.Account.ApiKey,
            "--num-jobs", "3", "--concurrency", "3", "--video-file", input);
        output.WriteLine($"tc netem usable here: {netem}");
        output.WriteLine(text);

        Assert.DoesNotContain("netem", await QdiscsAsync(), StringComparison.Ordinal);
        if (!netem)
        {
            // Without root or without the kernel's qdiscs (containers often lack them), the tool says why and stops.
            Assert.Equal(2, exitCode);
            Assert.Contains("tc qdisc add dev lo root handle 1: prio failed", text, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(0, exitCode);
        var findings = report.GetProperty("findings").EnumerateArray().Select(finding => finding.GetString()!).ToList();
        Assert.Contains("Jobs lost: **0** of 3 (must be 0)", findings);
        Assert.Contains(report.GetProperty("events").EnumerateArray(), line => line.GetString()!.Contains("network-latency: 100ms", StringComparison.Ordinal));
    }

    /// <summary>Whether this machine lets a priority qdisc with a netem band be put on lo (then takes it off).</summary>
    private async Task<bool> KernelHasNetemAsync()
    {
        var prio = await TcAsync("qdisc", "add", "dev", "lo", "root", "handle", "1:", "prio");
        if (prio.ExitCode != 0)
        {
            return false;
        }

        var netem = await TcAsync("qdisc", "add", "dev", "lo", "parent", "1:3", "handle", "30:", "netem", "delay", "1ms");
        await TcAsync("qdisc", "del", "dev", "lo", "root");
        return netem.ExitCode == 0;
    }

    private async Task<string> QdiscsAsync() => (await TcAsync("qdisc", "show", "dev", "lo")).StandardOutput;

    private Task<ProcessResult> TcAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("tc", arguments, _work.FullName, TimeSpan.FromSeconds(10), null, CancellationToken.None, inheritEnvironment: true);

    public void Dispose() => _work.Delete(recursive: true);
}
