using VideoConversion.Tests.Support;
namespace VideoConversion.Tests.Unit;

/// <summary>
/// The service images: none runs as root (the worker runs FFmpeg on untrusted files), and the
/// worker's carries FFmpeg. (No container engine exists on CI machines to build them.)
/// </summary>
public class ContainerImageTests
{
    private static readonly string[] RootUsers = ["root", "0", "0:0"];

    [Fact]
    public void The_worker_image_installs_ffmpeg()
    {
        var finalStage = FinalStage("VideoConversion.Worker");
        Assert.Contains(finalStage, line => line.Contains("install", StringComparison.Ordinal) && line.Contains("ffmpeg", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("VideoConversion.Api")]
    [InlineData("VideoConversion.Worker")]
    [InlineData("VideoConversion.Web")]
    public void Every_service_image_runs_as_a_non_root_user(string project)
    {
        var finalStage = FinalStage(project);
        Assert.Contains(finalStage, line => line.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && line.Contains($"{project}.dll", StringComparison.Ordinal));
        var user = finalStage.LastOrDefault(line => line.StartsWith("USER ", StringComparison.Ordinal));
        Assert.NotNull(user);
        var name = user["USER ".Length..].Trim();
        Assert.DoesNotContain(name, RootUsers);
        Assert.True(finalStage.IndexOf(user) > finalStage.FindLastIndex(line => line.StartsWith("RUN ", StringComparison.Ordinal)),
            "USER must come after the last RUN, so nothing later runs as root");
    }

    private static List<string> FinalStage(string project)
    {
        var dockerfile = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, project, "Dockerfile"));
        var lastFrom = Array.FindLastIndex(dockerfile, line => line.StartsWith("FROM ", StringComparison.Ordinal));
        return dockerfile.Skip(lastFrom).ToList();
    }
}
