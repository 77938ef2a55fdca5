using VideoConversion.Processes;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// scripts/start installs only what the system needs to run; scripts/test adds what the tests need
/// (a browser, linters, Prometheus, the schemas, kubectl). Read from the script's own --list, which
/// names what a purpose needs whether it is installed or not.
/// </summary>
public sealed class PrerequisitesScriptTests
{
    private static readonly string[] TestOnly = ["chromium", "iproute2", "shellcheck", "prometheus", "unzip", "tools/manifest-check", "tools/kubectl"];

    [Theory]
    [InlineData("Executable")]
    [InlineData("Container")]
    public async Task Starting_the_system_installs_nothing_only_the_tests_need(string mode)
    {
        var run = await NeedsAsync("run", mode);

        Assert.Contains("ffmpeg", run);
        // The page's player (hls.js) comes from npm whatever runs the backing services.
        Assert.Contains("VideoConversion.Web", run);
        Assert.Contains("nodejs", run);
        Assert.Equal(mode == "Executable", run.Contains("rabbitmq-server"));
        Assert.Equal(mode == "Executable", run.Contains("tools/s3-standin"));
        Assert.Empty(run.Intersect(TestOnly));
    }

    [Theory]
    [InlineData("Executable")]
    [InlineData("Container")]
    public async Task Testing_installs_what_running_needs_and_what_the_tests_need(string mode)
    {
        var run = await NeedsAsync("run", mode);
        var test = await NeedsAsync("test", mode);

        Assert.Subset(test, run);
        Assert.Subset(test, TestOnly.ToHashSet(StringComparer.Ordinal));
        Assert.Contains("rabbitmq-server", test); // the rendered broker configuration is booted in any mode
    }

    [Theory]
    [InlineData("scripts/start", "run")]
    [InlineData("scripts/benchmark", "run")]
    [InlineData("scripts/test", "test")]
    public void Each_script_asks_for_its_own_purpose(string script, string purpose)
    {
        // Trimmed: scripts/test asks from inside the branch that --fast (unit tests only, nothing to install) skips.
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, script)).Select(line => line.Trim());
        Assert.Contains($"\"$repo/scripts/install-prerequisites\" {purpose}", lines);
    }

    private static async Task<HashSet<string>> NeedsAsync(string purpose, string mode)
    {
        var result = await ProcessRunner.RunAsync(
            "bash", ["-c", $"VIDEOCONVERSION_INFRASTRUCTURE={mode} scripts/install-prerequisites {purpose} --list"],
            RepositoryPaths.Root, TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true);
        Assert.True(result.ExitCode == 0, result.StandardErrorTail);
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
    }
}
