using VideoConversion.Processes;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// The AppHost must never hang waiting for a resource that cannot start: when something the
/// chosen mode needs is missing, it says what and how to install it, and exits.
/// </summary>
public class AppHostPrerequisiteTests
{
    [Fact]
    public async Task A_missing_broker_and_storage_stop_the_apphost_at_once_with_install_advice()
    {
        var appHost = Path.Combine(RepositoryPaths.Root, "VideoConversion.AppHost", "bin", BuildConfiguration, "net10.0", "VideoConversion.AppHost");
        Assert.True(File.Exists(appHost), $"AppHost not built at {appHost}");

        var result = await ProcessRunner.RunAsync(appHost,
            [
                "--VideoConversion:Infrastructure=Executable",
                "--VideoConversion:RabbitMQServerPath=/nonexistent/rabbitmq-server",
                "--VideoConversion:MinioPath=/nonexistent/minio",
                "--VideoConversion:NodePath=/nonexistent/node",
                $"--VideoConversion:DataDirectory={Path.GetTempPath()}",
            ],
            Path.GetTempPath(), TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("RabbitMQ server", result.StandardErrorTail, StringComparison.Ordinal);
        Assert.Contains("rabbitmq-server", result.StandardErrorTail, StringComparison.Ordinal);
        Assert.Contains("object storage", result.StandardErrorTail, StringComparison.Ordinal);
        Assert.Contains("scripts/install-prerequisites", result.StandardErrorTail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_api_replicas_on_sqlite_are_refused_at_start_with_the_way_out()
    {
        var appHost = Path.Combine(RepositoryPaths.Root, "VideoConversion.AppHost", "bin", BuildConfiguration, "net10.0", "VideoConversion.AppHost");

        var result = await ProcessRunner.RunAsync(appHost,
            ["--VideoConversion:ApiReplicas=2", $"--VideoConversion:DataDirectory={Path.GetTempPath()}"],
            Path.GetTempPath(), TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("SQLite allows one API process", result.StandardErrorTail, StringComparison.Ordinal);
        Assert.Contains("VideoConversion:Database=PostgreSQL", result.StandardErrorTail, StringComparison.Ordinal);
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
