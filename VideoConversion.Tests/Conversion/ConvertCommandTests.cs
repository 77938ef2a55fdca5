using VideoConversion.Processes;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Conversion;

/// <summary>The worker's "convert" command runs one local file through the worker's own conversion.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private static readonly string Worker = Path.Combine(AppContext.BaseDirectory, "VideoConversion.Worker");
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-cli-");

    [Fact]
    public async Task Converts_a_file_and_says_how()
    {
        var input = await InputCorpus.CreateAsync(InputCorpus.Named("ready.mp4"), _work.FullName);
        var output = Path.Combine(_work.FullName, "converted.mp4");

        var result = await RunAsync("convert", input, output);

        Assert.True(result.ExitCode == 0, result.StandardErrorTail);
        Assert.StartsWith("remux: ", result.StandardOutput, StringComparison.Ordinal);
        await OutputContract.AssertBrowserPlayableAsync(output, InputCorpus.Named("ready.mp4").Expected);
    }

    [Fact]
    public async Task A_bad_file_exits_non_zero_with_the_users_error()
    {
        var input = Path.Combine(_work.FullName, "notes.mp4");
        await File.WriteAllTextAsync(input, "not a video");

        var result = await RunAsync("convert", input, Path.Combine(_work.FullName, "converted.mp4"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("failed: The file is not a video in a supported format", result.StandardErrorTail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ready.mp4", "remux", false)] // read from its own index, as a job reads it: no ffprobe
    [InlineData("odd-size.avi", "transcode", true)] // an AVI's plan comes from ffprobe's reading
    public async Task Plan_prints_the_ffmpeg_command_and_the_ffprobe_a_job_runs_on_the_input_first(string name, string method, bool probed)
    {
        var input = await InputCorpus.CreateAsync(InputCorpus.Named(name), _work.FullName);

        var result = await RunAsync("plan", input, Path.Combine(_work.FullName, "planned.mp4"));

        Assert.True(result.ExitCode == 0, result.StandardErrorTail);
        var plan = System.Text.Json.JsonDocument.Parse(result.StandardOutput).RootElement;
        Assert.Equal(method, plan.GetProperty("method").GetString());
        Assert.Contains(input, plan.GetProperty("arguments").EnumerateArray().Select(argument => argument.GetString()));
        var probe = plan.GetProperty("probe");
        Assert.Equal(probed ? System.Text.Json.JsonValueKind.Object : System.Text.Json.JsonValueKind.Null, probe.ValueKind);
        if (probed)
        {
            // The ffprobe the worker runs, on the same file: run here, it reads the input's streams.
            var ffprobe = await ProcessRunner.RunAsync(
                probe.GetProperty("ffprobe").GetString()!, [.. probe.GetProperty("arguments").EnumerateArray().Select(argument => argument.GetString()!)],
                _work.FullName, TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true);
            Assert.True(ffprobe.ExitCode == 0, ffprobe.StandardErrorTail);
            Assert.Contains("\"streams\"", ffprobe.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Wrong_arguments_print_the_usage()
    {
        var result = await RunAsync("convert", "only-one-path");
        Assert.Equal(64, result.ExitCode);
        Assert.Contains("usage:", result.StandardErrorTail, StringComparison.Ordinal);
    }

    private Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Worker, arguments, _work.FullName, TimeSpan.FromMinutes(2), null, CancellationToken.None, inheritEnvironment: true);

    public void Dispose() => _work.Delete(recursive: true);
}
