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
