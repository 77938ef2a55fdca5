using VideoConversion.Tests.Support;
namespace VideoConversion.Tests.Unit;

/// <summary>
/// The worker image runs FFmpeg on untrusted files, so its final stage must carry FFmpeg and
/// switch to an unprivileged user. (No container engine exists on CI machines to build it.)
/// </summary>
public class ContainerImageTests
{
    private static readonly string[] RootUsers = ["root", "0", "0:0"];

    [Fact]
    public void The_worker_image_installs_ffmpeg_and_runs_as_a_non_root_user()
    {
        var dockerfile = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "VideoConversion.Worker", "Dockerfile"));
        var finalStage = dockerfile.SkipWhile((_, index) => index < Array.FindLastIndex(dockerfile, line => line.StartsWith("FROM ", StringComparison.Ordinal))).ToList();

        Assert.Contains(finalStage, line => line.Contains("install", StringComparison.Ordinal) && line.Contains("ffmpeg", StringComparison.Ordinal));
        var user = finalStage.LastOrDefault(line => line.StartsWith("USER ", StringComparison.Ordinal));
        Assert.NotNull(user);
        var name = user["USER ".Length..].Trim();
        Assert.DoesNotContain(name, RootUsers);
        Assert.True(finalStage.IndexOf(user) > finalStage.FindLastIndex(line => line.StartsWith("RUN ", StringComparison.Ordinal)),
            "USER must come after the last RUN, so nothing later runs as root");
    }
}
