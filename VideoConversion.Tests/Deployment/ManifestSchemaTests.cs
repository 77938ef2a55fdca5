using VideoConversion.Processes;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// Every rendered object is valid for its schema, offline, before a cluster ever sees it: types,
/// required fields and enumerations by npm's kubernetes-models (Kubernetes and KEDA), and no field
/// the Kubernetes client's models do not know (strict parsing).
/// </summary>
public sealed class ManifestSchemaTests
{
    private static readonly string Validator = Path.Combine(RepositoryPaths.Root, "tools", "manifest-check", "validate.mjs");

    [Theory]
    [InlineData("base")]
    [InlineData("monitoring")]
    [InlineData("postgres")]
    [InlineData(MinikubeManifests.Overlay)]
    [InlineData(HighAvailabilityManifests.Overlay)]
    public async Task Every_object_is_valid_for_the_kubernetes_and_keda_schemas(string kustomization)
    {
        var rendered = await RenderedManifests.RenderAsync(kustomization);
        var (exitCode, report) = await ValidateAsync(rendered.Yaml);

        Assert.True(exitCode == 0, report);
        Assert.Contains($"{rendered.Objects.Count} objects valid, 0 invalid", report, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("base")]
    [InlineData("monitoring")]
    [InlineData("postgres")]
    [InlineData(MinikubeManifests.Overlay)]
    [InlineData(HighAvailabilityManifests.Overlay)]
    public async Task No_object_has_a_field_its_kind_does_not_know(string kustomization)
    {
        var rendered = await RenderedManifests.RenderAsync(kustomization);

        var objects = rendered.LoadStrictly();

        Assert.Equal(rendered.Objects.Count, objects.Count);
    }

    [Fact]
    public async Task The_validator_refuses_a_wrong_type_and_the_strict_parse_an_unknown_field()
    {
        var rendered = await RenderedManifests.RenderAsync(MinikubeManifests.Overlay);

        var (exitCode, report) = await ValidateAsync(rendered.Yaml.Replace("  replicas: 1\n", "  replicas: \"one\"\n", StringComparison.Ordinal));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("spec/replicas must be integer", report, StringComparison.Ordinal);

        var misspelt = rendered.Yaml.Replace("      terminationGracePeriodSeconds:", "      terminationGracePeriod:", StringComparison.Ordinal);
        var refusal = Assert.ThrowsAny<Exception>(() => RenderedManifests.LoadStrictly(misspelt));
        Assert.Contains("terminationGracePeriod", refusal.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Report)> ValidateAsync(string yaml)
    {
        var input = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(input, yaml);
            var result = await ProcessRunner.RunAsync(
                "sh", ["-c", $"node \"{Validator}\" < \"{input}\""], RepositoryPaths.Root, TimeSpan.FromMinutes(1), null,
                CancellationToken.None, inheritEnvironment: true);
            return (result.ExitCode, result.StandardOutput + result.StandardErrorTail);
        }
        finally
        {
            File.Delete(input);
        }
    }
}
