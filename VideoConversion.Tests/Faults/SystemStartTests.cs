using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Faults;

/// <summary>
/// The test system's own start: a broker that dies as it boots fails the fixture at once, with the broker's output,
/// instead of after the whole start timeout with only its exit code (as a CI run once did, every shared test failing).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // the broker stand-in is a shell script
public sealed class SystemStartTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("videoconversion-start-").FullName;

    [Fact]
    public async Task A_broker_that_exits_at_boot_fails_the_start_with_its_output()
    {
        // As rabbitmq-server's wrapper does whatever ended the VM under it: a line of output, then exit code 0.
        var marker = $"the VM could not boot ({Guid.NewGuid():N})";
        var broker = Path.Combine(_directory, "rabbitmq-server");
        await File.WriteAllTextAsync(broker, $"#!/bin/sh\necho '{marker}' >&2\nexit 0\n");
        File.SetUnixFileMode(broker, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await using var system = new BrokerThatCannotBoot(broker);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(system.InitializeAsync);

        Assert.True(
            System.Text.RegularExpressions.Regex.IsMatch(failure.Message, $@"{SystemFixture.Broker}-[a-z0-9]+ stopped \([A-Za-z]+, exit code 0\)") &&
            failure.Message.Contains(marker, StringComparison.Ordinal),
            failure.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class BrokerThatCannotBoot(string brokerPath) : SystemFixture(new SystemShape(
        "videoconversion-start-",
        new Dictionary<string, IReadOnlyDictionary<string, string>>(),
        ExportsTelemetry: false,
        RoutesStorageThroughProxy: false,
        HealthyBeforeTests: [ApiService],
        // The broker from the path only runs as a host process: with Docker, Auto would run its image instead.
        AppHostArguments: ["--VideoConversion:Infrastructure=Executable", $"--VideoConversion:RabbitMQServerPath={brokerPath}"]));
}
