using VideoConversion.Tests.Support;

namespace VideoConversion.UnitTests.Deployment;

/// <summary>
/// The service images: none runs as root (the worker runs FFmpeg on untrusted files), the
/// worker's carries FFmpeg, and packages are restored in a layer a code change does not invalidate.
/// (No container engine exists on CI machines to build them.)
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

    [Theory]
    [InlineData("VideoConversion.Api")]
    [InlineData("VideoConversion.Worker")]
    [InlineData("VideoConversion.Web")]
    public void Every_service_image_restores_from_its_project_files_before_the_code_comes_in(string project)
    {
        var dockerfile = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, project, "Dockerfile")).ToList();
        var restore = dockerfile.FindIndex(line => line == $"RUN dotnet restore {project}");
        var everything = dockerfile.FindIndex(line => line == "COPY . .");
        Assert.True(restore >= 0 && restore < everything, "restore must run before the whole tree is copied, in a layer of its own");
        Assert.Contains(dockerfile, line => line.StartsWith($"RUN dotnet publish {project} ", StringComparison.Ordinal) && line.EndsWith("--no-restore", StringComparison.Ordinal));

        // Everything restore reads is there before it: the shared props and every project it references, transitively.
        var copied = dockerfile.Take(restore).Where(line => line.StartsWith("COPY ", StringComparison.Ordinal))
            .SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToHashSet(StringComparer.Ordinal);
        // Every file at the root that MSBuild or NuGet reads, whatever is added later.
        var restoreInputs = Directory.EnumerateFiles(RepositoryPaths.Root)
            .Select(path => Path.GetFileName(path))
            .Where(name => name is "global.json" || name.StartsWith("Directory.", StringComparison.Ordinal) ||
                           name.Equals("nuget.config", StringComparison.OrdinalIgnoreCase))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("Directory.Packages.props", restoreInputs);
        Assert.Subset(copied, restoreInputs);
        Assert.Subset(copied, ProjectClosure($"{project}/{project}.csproj"));
    }

    [Fact]
    public void A_vulnerability_advisory_published_later_is_reported_but_does_not_fail_an_image_build()
    {
        // Warnings are errors everywhere; NuGet's audit warnings (NU1901-NU1904 by severity) are the exception.
        var properties = System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props"));
        Assert.Equal("true", properties.Descendants("TreatWarningsAsErrors").Single().Value);
        var exceptions = properties.Descendants("WarningsNotAsErrors").Single().Value.Split(';', StringSplitOptions.TrimEntries);
        Assert.Subset(exceptions.ToHashSet(StringComparer.Ordinal), new HashSet<string>(["NU1900", "NU1901", "NU1902", "NU1903", "NU1904"], StringComparer.Ordinal));
        Assert.DoesNotContain(properties.Descendants("NuGetAudit"), element => element.Value == "false");
    }

    /// <summary>A project file and every project it references, as repository-relative paths.</summary>
    private static HashSet<string> ProjectClosure(string projectFile)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([projectFile]);
        while (pending.TryPop(out var current))
        {
            if (!found.Add(current))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(current)!;
            foreach (var reference in System.Xml.Linq.XDocument.Load(Path.Combine(RepositoryPaths.Root, current)).Descendants("ProjectReference"))
            {
                var path = Path.GetRelativePath(RepositoryPaths.Root,
                    Path.GetFullPath(Path.Combine(RepositoryPaths.Root, directory, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
                pending.Push(path.Replace('\\', '/'));
            }
        }

        return found;
    }

    private static List<string> FinalStage(string project)
    {
        var dockerfile = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, project, "Dockerfile"));
        var lastFrom = Array.FindLastIndex(dockerfile, line => line.StartsWith("FROM ", StringComparison.Ordinal));
        return dockerfile.Skip(lastFrom).ToList();
    }
}
