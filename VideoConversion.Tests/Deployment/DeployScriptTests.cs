using System.Text.RegularExpressions;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// manifests/deploy-minikube, run for real on a copy of the repository. No Minikube can run here, so
/// `minikube` and `kubectl` are small stand-ins that record what they are asked, answer as a 4-CPU
/// node would, and render `kubectl apply -k` with the real kubectl, so the test sees what would be
/// applied. (With Docker, `minikube start … && manifests/deploy-minikube` runs the same steps for real.)
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // bash, git and executable bits
public sealed partial class DeployScriptTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-deploy-");
    private string Repository => Path.Combine(_work.FullName, "repo");
    private string Calls => Path.Combine(_work.FullName, "calls.log");
    private string Applied => Path.Combine(_work.FullName, "applied.yaml");

    public DeployScriptTests()
    {
        CopyTree(Path.Combine(RepositoryPaths.Root, "manifests"), Path.Combine(Repository, "manifests"));
        foreach (var service in new[] { "Api", "Worker", "Web" })
        {
            var project = Directory.CreateDirectory(Path.Combine(Repository, $"VideoConversion.{service}")).FullName;
            File.Copy(Path.Combine(RepositoryPaths.Root, $"VideoConversion.{service}", "Dockerfile"), Path.Combine(project, "Dockerfile"));
        }

        Git("init", "-q");
        Git("add", "-A");
        Git("-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", "commit", "-qm", "deployed");
        WriteStandIns();
    }

    [Fact]
    public async Task A_second_deploy_after_a_change_rolls_out_images_tagged_by_the_new_content()
    {
        var first = await DeployAsync();
        Assert.True(first.ExitCode == 0, first.Output);
        var commit = Git("rev-parse", "--short=12", "HEAD");
        var firstTags = ImageTags();
        // The three services and the api's and worker's init containers.
        Assert.Equal(5, firstTags.Count);
        Assert.All(firstTags, tag => Assert.Equal(commit, tag));

        File.AppendAllText(Path.Combine(Repository, "VideoConversion.Worker", "Dockerfile"), "# a change\n");
        var second = await DeployAsync();
        Assert.True(second.ExitCode == 0, second.Output);
        var secondTags = ImageTags();
        Assert.All(secondTags, tag => Assert.StartsWith($"{commit}-", tag, StringComparison.Ordinal));
        Assert.DoesNotContain(secondTags, firstTags.Contains);
        Assert.Equal(5, secondTags.Count);

        // Nothing changed since: the same tag again, so nothing rolls.
        var third = await DeployAsync();
        Assert.True(third.ExitCode == 0, third.Output);
        Assert.Equal(secondTags, ImageTags());
    }

    [Fact]
    public async Task Without_git_the_tag_is_a_checksum_of_the_tree()
    {
        Directory.Delete(Path.Combine(Repository, ".git"), recursive: true);
        var first = await DeployAsync();
        Assert.True(first.ExitCode == 0, first.Output);
        var firstTags = ImageTags();

        File.AppendAllText(Path.Combine(Repository, "VideoConversion.Api", "Dockerfile"), "# a change\n");
        var second = await DeployAsync();
        Assert.True(second.ExitCode == 0, second.Output);

        Assert.All(firstTags.Concat(ImageTags()), tag => Assert.StartsWith("tree-", tag, StringComparison.Ordinal));
        Assert.Equal(5, firstTags.Count);
        Assert.Single(firstTags.Distinct());
        Assert.NotEqual(firstTags[0], ImageTags()[0]);
    }

    [Fact]
    public async Task Every_kubectl_call_names_the_minikube_context()
    {
        var result = await DeployAsync();
        Assert.True(result.ExitCode == 0, result.Output);

        var kubectl = File.ReadAllLines(Calls).Where(line => line.StartsWith("kubectl ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(kubectl);
        Assert.All(kubectl, call => Assert.StartsWith("kubectl --context minikube ", call, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_build_that_fails_stops_the_deploy_before_anything_is_applied()
    {
        // minikube image build can exit 0 on a failed build: the stand-in does exactly that.
        var result = await DeployAsync(("STANDIN_FAILED_BUILD", "videoconversion/worker"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("the build of videoconversion/worker:", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllLines(Calls), call => call.Contains(" apply ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_too_small_for_every_worker_is_named_in_a_warning()
    {
        var small = await DeployAsync(("STANDIN_NODE_CPU", "2"));
        Assert.True(small.ExitCode == 0, small.Output);
        Assert.Contains("warning: this node fits about 0 of 10 workers", small.Output, StringComparison.Ordinal);

        var documented = await DeployAsync(("STANDIN_NODE_CPU", "4000m"), ("STANDIN_NODE_MEMORY", "8Gi"));
        Assert.DoesNotContain("warning: this node fits", documented.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_docker_driver_the_profiles_limits_count_not_the_hosts()
    {
        // The node reports the host's 16 CPUs; the profile was started with 2.
        var profile = Directory.CreateDirectory(Path.Combine(_work.FullName, "minikube-home", "profiles", "minikube")).FullName;
        File.WriteAllText(Path.Combine(profile, "config.json"), """{"Name": "minikube", "Memory": 8192, "CPUs": 2, "DiskSize": 81920}""");

        var result = await DeployAsync(("STANDIN_NODE_CPU", "16"), ("MINIKUBE_HOME", Path.Combine(_work.FullName, "minikube-home")));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("warning: this node fits about 0 of 10 workers (2000m CPU", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_that_would_not_enforce_the_network_policies_is_named_in_a_warning()
    {
        var withoutCalico = await DeployAsync(("STANDIN_NO_CALICO", "1"));
        Assert.True(withoutCalico.ExitCode == 0, withoutCalico.Output);
        Assert.Contains("warning: no Calico in this cluster: its NetworkPolicies are not enforced", withoutCalico.Output, StringComparison.Ordinal);

        var withCalico = await DeployAsync();
        Assert.DoesNotContain("warning: no Calico", withCalico.Output, StringComparison.Ordinal);
        Assert.Contains(File.ReadAllLines(Calls), call => call == "kubectl --context minikube -n kube-system get daemonset calico-node");
    }

    [Fact]
    public async Task A_kubernetes_version_keda_does_not_support_is_named_in_a_warning()
    {
        var newer = await DeployAsync(("STANDIN_KUBERNETES_MINOR", "35"));
        Assert.True(newer.ExitCode == 0, newer.Output);
        Assert.Contains("warning: Kubernetes 1.35; KEDA 2.18.0 supports 1.31-1.33", newer.Output, StringComparison.Ordinal);

        var supported = await DeployAsync();
        Assert.DoesNotContain("warning: Kubernetes", supported.Output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> DeployAsync(params (string Name, string Value)[] environment)
    {
        File.WriteAllText(Calls, "");
        var variables = new Dictionary<string, string?>
        {
            ["PATH"] = $"{Path.Combine(_work.FullName, "bin")}:{Environment.GetEnvironmentVariable("PATH")}",
            ["STANDIN_CALLS"] = Calls,
            ["STANDIN_APPLIED"] = Applied,
            ["STANDIN_IMAGES"] = Path.Combine(_work.FullName, "images"),
            ["STANDIN_KUBECTL"] = Kubectl.Path,
            // Nothing of the caller's Minikube set-up leaks in; a test sets what it needs.
            ["MINIKUBE_PROFILE"] = null,
            ["KEDA_VERSION"] = null,
            ["MINIKUBE_HOME"] = Path.Combine(_work.FullName, "no-minikube-home"),
        };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        var result = await ProcessRunner.RunAsync(
            "bash", [Path.Combine(Repository, "manifests", "deploy-minikube")], Repository, TimeSpan.FromMinutes(3), null,
            CancellationToken.None, inheritEnvironment: true, environment: variables, standardErrorLimit: int.MaxValue);
        return (result.ExitCode, result.StandardOutput + result.StandardErrorTail);
    }

    /// <summary>The tags of our images in what was applied last.</summary>
    private List<string> ImageTags() =>
        OurImage().Matches(File.ReadAllText(Applied)).Select(match => match.Groups["tag"].Value).ToList();

    private void WriteStandIns()
    {
        var bin = Directory.CreateDirectory(Path.Combine(_work.FullName, "bin")).FullName;
        File.WriteAllText(Path.Combine(bin, "minikube"), """
            #!/usr/bin/env bash
            # Minikube, as far as deploy-minikube asks it: running; builds "succeed" (exit 0) even when they fail.
            echo "minikube $*" >>"$STANDIN_CALLS"
            case "$*" in
              *"image build"*)
                image="$(printf '%s\n' "$@" | sed -n '/^-t$/{n;p;}')"
                if [ -n "${STANDIN_FAILED_BUILD:-}" ] && [[ "$image" == "$STANDIN_FAILED_BUILD"* ]]; then
                  echo "ERROR: failed to solve: process \"dotnet publish\" did not complete successfully" >&2
                else
                  echo "docker.io/$image" >>"$STANDIN_IMAGES"
                fi ;;
              *"image ls"*) cat "$STANDIN_IMAGES" 2>/dev/null ;;
            esac
            exit 0
            """);
        File.WriteAllText(Path.Combine(bin, "kubectl"), """
            #!/usr/bin/env bash
            # A one-node cluster with KEDA on Kubernetes 1.33; `apply -k` is rendered by the real kubectl.
            echo "kubectl $*" >>"$STANDIN_CALLS"
            args=("$@")
            [ "${args[0]}" = "--context" ] && args=("${args[@]:2}")
            case "${args[*]}" in
              *"apply -k "*) "$STANDIN_KUBECTL" kustomize "${args[${#args[@]}-1]}" >"$STANDIN_APPLIED" || exit 1 ;;
              *"allocatable.cpu"*) printf '%s' "${STANDIN_NODE_CPU:-4}" ;;
              *"allocatable.memory"*) printf '%s' "${STANDIN_NODE_MEMORY:-7880000Ki}" ;;
              *"version -o json"*) printf '{"serverVersion": {"major": "1", "minor": "%s"}}' "${STANDIN_KUBERNETES_MINOR:-33}" ;;
              *"get daemonset calico-node"*) [ -z "${STANDIN_NO_CALICO:-}" ] || exit 1 ;;
            esac
            exit 0
            """);
        foreach (var tool in new[] { "minikube", "kubectl" })
        {
            File.SetUnixFileMode(Path.Combine(bin, tool), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Git(params string[] arguments)
    {
        var result = ProcessRunner.RunAsync("git", arguments, Repository, TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true)
            .GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)}: {result.StandardErrorTail}");
        return result.StandardOutput.Trim();
    }

    private static void CopyTree(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                     .Where(file => !file.EndsWith(".env", StringComparison.Ordinal) && !file.Contains("/.minikube-deploy/", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(file));
        }
    }

    [GeneratedRegex(@"image: videoconversion/(api|worker|web):(?<tag>\S+)")]
    private static partial Regex OurImage();

    public void Dispose() => _work.Delete(recursive: true);
}
