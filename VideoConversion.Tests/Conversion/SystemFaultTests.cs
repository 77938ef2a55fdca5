using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Runs;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// A good video whose FFmpeg is killed, crashes or runs out of memory fails as a fault of the
/// system (retried), never as the file's fault. Real FFmpeg, real signals, a real memory limit.
/// </summary>
public sealed class SystemFaultTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-systemfaults-");

    [Fact]
    public async Task A_killed_ffmpeg_is_a_fault_of_the_system_not_of_the_file()
    {
        // Seconds of 1080p at the medium preset: FFmpeg is still encoding when it is killed (within 100 ms of its start),
        // and the input is made quickly even when the whole suite shares the machine's cores (20 s once took over 2 min).
        var input = await ProResAsync(seconds: 6);
        var output = Path.Combine(_work.FullName, "output.mp4");
        var converter = Converters.Create(Converters.Options(options => options.Preset = "medium"));

        var conversion = converter.ConvertAsync(input, output, _ => Task.CompletedTask, CancellationToken.None);
        await KillFFmpegWritingAsync(output);

        var fault = await Assert.ThrowsAsync<SystemFaultException>(() => conversion);
        Assert.Equal(FailureCause.OutOfMemory, fault.Cause);
        Assert.Contains("SIGKILL", fault.Message, StringComparison.Ordinal);
        Assert.Equal(RetryAction.Retry, RetryPolicy.Decide(FailureClassifier.Classify(fault).Cause, attempt: 1).Action);
    }

    [Fact]
    public async Task An_ffmpeg_out_of_memory_is_retried_and_then_named()
    {
        var input = await ProResAsync(seconds: 2);
        var output = Path.Combine(_work.FullName, "output.mp4");
        // Enough to load FFmpeg's libraries and probe, not enough for x264's 1080p buffers.
        var converter = Converters.Create(Converters.Options(options => options.MemoryLimitBytes = 300L * 1024 * 1024));

        var fault = await Assert.ThrowsAsync<SystemFaultException>(() =>
            converter.ConvertAsync(input, output, _ => Task.CompletedTask, CancellationToken.None));

        Assert.Equal(FailureCause.OutOfMemory, fault.Cause);
        Assert.Equal(RetryAction.Retry, RetryPolicy.Decide(fault.Cause, attempt: 2).Action);
        Assert.Contains("ran out of memory 3 times", RetryPolicy.Decide(fault.Cause, attempt: 3).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KILL", FailureCause.OutOfMemory)]
    [InlineData("SEGV", FailureCause.ProcessCrashed)]
    [InlineData("ABRT", FailureCause.ProcessCrashed)]
    public async Task A_process_ended_by_a_signal_is_told_apart_from_one_that_refused_its_input(string signal, FailureCause expected)
    {
        var result = await ProcessRunner.RunAsync("bash", ["-c", $"kill -{signal} $$"], _work.FullName, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.NotNull(result.TerminatingSignal);
        Assert.Equal(expected, ProcessFaults.Of("ffmpeg", result)?.Cause);

        // FFmpeg 5 exits 1 on a file it refuses; 6.1 and later exit with the error code's low byte
        // (183 for AVERROR_INVALIDDATA, 187 for AVERROR_EOF, 190 for AVERROR_BUG): none is a signal.
        foreach (var code in new[] { 1, 183, 187, 190, 255 })
        {
            var refused = await ProcessRunner.RunAsync("bash", ["-c", $"echo 'Invalid data found when processing input' >&2; exit {code}"],
                _work.FullName, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            Assert.Null(refused.TerminatingSignal);
            Assert.Null(ProcessFaults.Of("ffmpeg", refused));
        }
    }

    [Fact]
    public async Task Child_processes_get_an_empty_environment()
    {
        // This process has PATH, HOME and the rest; the child has none of them.
        Assert.NotNull(Environment.GetEnvironmentVariable("PATH"));
        var result = await ProcessRunner.RunAsync("env", [], _work.FullName, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        Assert.Equal("LC_ALL=C", result.StandardOutput.Trim());

        var limited = await ProcessRunner.RunAsync("env", [], _work.FullName, TimeSpan.FromSeconds(30), null, CancellationToken.None,
            memoryLimitBytes: 200L * 1024 * 1024);
        Assert.Equal("LC_ALL=C", limited.StandardOutput.Trim());
    }

    private async Task<string> ProResAsync(int seconds)
    {
        var path = Path.Combine(_work.FullName, "input.mov");
        await TestMedia.FFmpegAsync(["-f", "lavfi", "-i", $"testsrc2=size=1920x1080:rate=30:duration={seconds}", "-c:v", "prores_ks", "-profile:v", "0", path]);
        return path;
    }

    /// <summary>kill -9 of the FFmpeg that writes <paramref name="output"/>, once it runs: what the OOM killer does.</summary>
    private static async Task KillFFmpegWritingAsync(string output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var pkill = await ProcessRunner.RunAsync(
                "pkill", ["-KILL", "-f", $"ffmpeg .*{output}"], Environment.CurrentDirectory, TimeSpan.FromSeconds(10), null, CancellationToken.None);
            if (pkill.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("FFmpeg never started");
    }

    public void Dispose() => _work.Delete(recursive: true);
}
