using System.Text.RegularExpressions;
using k8s.Models;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// The shell scripts users run (deploy, set-up, secrets, start, test) and the scripts the manifests
/// run in containers pass shellcheck, and the bash ones keep to bash 3.2, the bash macOS ships.
/// </summary>
public sealed partial class ShellScriptTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>
{
    public static TheoryData<string> Scripts() =>
    [
        "manifests/deploy-minikube",
        "manifests/generate-secrets",
        "manifests/base/storage/setup.sh",
        "manifests/postgres/initdb/10-videoconversion.sh",
        "scripts/start",
        "scripts/test",
        "scripts/install-prerequisites",
        "scripts/benchmark",
        "scripts/benchmark-fast-path",
        ".ci/run",
    ];

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Every_script_passes_shellcheck(string script)
    {
        var (exitCode, output) = await ShellcheckAsync([Path.Combine(RepositoryPaths.Root, script)], stdin: null);
        Assert.True(exitCode == 0, $"{script}:\n{output}");
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Every_bash_script_keeps_to_bash_3_2(string script)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, script));
        if (!lines[0].Contains("bash", StringComparison.Ordinal))
        {
            Assert.StartsWith("#!/bin/sh", lines[0], StringComparison.Ordinal); // POSIX sh: no bash features at all
            return;
        }

        var found = lines
            .Select((line, index) => (Line: line, Number: index + 1))
            .Where(item => !item.Line.TrimStart().StartsWith('#'))
            .SelectMany(item => Bash4Only.Where(feature => feature.Pattern.IsMatch(item.Line))
                .Select(feature => $"{script}:{item.Number}: {feature.Name}: {item.Line.Trim()}"))
            .ToList();
        Assert.True(found.Count == 0, string.Join('\n', found));
    }

    [Fact]
    public async Task Every_script_a_container_runs_passes_shellcheck()
    {
        var scripts = manifests.Rendered.PodTemplates()
            .SelectMany(pod => (pod.Template.Spec.InitContainers ?? []).Concat(pod.Template.Spec.Containers)
                .Select(container => (pod.Workload, Container: container)))
            .Where(item => item.Container.Command is [var shell, ..] && shell.EndsWith("sh", StringComparison.Ordinal) &&
                           item.Container.Command.Concat(item.Container.Args ?? []).Any(argument => argument is "-c" or "-ec"))
            .ToList();
        Assert.NotEmpty(scripts);

        foreach (var (workload, container) in scripts)
        {
            var dialect = container.Command[0].EndsWith("bash", StringComparison.Ordinal) ? "bash" : "sh";
            var script = string.Join('\n', container.Args ?? []);
            var (exitCode, output) = await ShellcheckAsync(["--shell", dialect, "-"], script);
            Assert.True(exitCode == 0, $"{workload}/{container.Name}:\n{output}");
        }
    }

    /// <summary>What bash 4 and later added, as it shows in a line of script.</summary>
    private static readonly (string Name, Regex Pattern)[] Bash4Only =
    [
        ("case conversion in an expansion (bash 4)", CaseConversion()),
        ("mapfile/readarray (bash 4)", new Regex(@"\b(mapfile|readarray)\b")),
        ("associative arrays (bash 4)", new Regex(@"\b(declare|local|typeset)\s+-[a-zA-Z]*A")),
        ("namerefs (bash 4.3)", new Regex(@"\b(declare|local|typeset)\s+-[a-zA-Z]*n\b")),
        ("negative array index (bash 4.3)", new Regex(@"\[-\d+\]\}")),
        ("${var@op} (bash 4.4)", new Regex(@"\$\{[^}]*@[QEPAaKUuL]\}")),
        ("&>> or |& (bash 4)", new Regex(@"&>>|\|&")),
        (";;& or ;& in case (bash 4)", new Regex(@";;&|;&\s*$")),
        ("[[ -v ]] (bash 4.2)", new Regex(@"\[\[\s+-v\s")),
        ("globstar, coproc, lastpipe or inherit_errexit (bash 4+)", new Regex(@"\b(globstar|coproc|lastpipe|inherit_errexit)\b")),
        ("declare -g/-l/-u (bash 4)", new Regex(@"\b(declare|local|typeset)\s+-[a-zA-Z]*[glu]")),
        ("test -v (bash 4.2)", new Regex(@"(\[|\btest)\s+-v\s")),
        ("brace ranges with a step or zero padding (bash 4)", new Regex(@"\{-?\d+\.\.-?\d+\.\.-?\d+\}|\{0\d+\.\.\d+\}")),
        ("wait -n (bash 4.3)", new Regex(@"\bwait\s+-n\b")),
        ("read -i/-N or a fractional -t (bash 4)", new Regex(@"\bread\b[^;|&]*\s-(i|N|t\s*\d*\.\d)")),
        ("printf %(…)T (bash 4.2)", new Regex(@"printf\b.*%\(")),
        ("$'\\u…' (bash 4.2)", new Regex(@"\$'[^']*\\u")),
        ("$EPOCHSECONDS/$BASHPID (bash 4+)", new Regex(@"\$\{?(EPOCHSECONDS|EPOCHREALTIME|BASHPID)\b")),
    ];

    [GeneratedRegex(@"\$\{[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?(,,?|\^\^?)[^}]*\}")]
    private static partial Regex CaseConversion();

    private static async Task<(int ExitCode, string Output)> ShellcheckAsync(IEnumerable<string> arguments, string? stdin)
    {
        var result = await ProcessRunner.RunAsync(
            "shellcheck", arguments, Environment.CurrentDirectory, TimeSpan.FromMinutes(1), null, CancellationToken.None,
            inheritEnvironment: true, standardInput: stdin, standardErrorLimit: int.MaxValue);
        return (result.ExitCode, result.StandardOutput + result.StandardErrorTail);
    }
}
