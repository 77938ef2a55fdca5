using System.Diagnostics;
using System.Text;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A RabbitMQ node from the operating system's package, started with the configuration a test laid
/// out, on ports of its own, under a node name and data directory of its own.
/// </summary>
public sealed class RabbitMQNode : IAsyncDisposable
{
    public const string ServerPath = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RabbitMQNode(Process process, int amqpPort, int managementPort, int prometheusPort)
    {
        _process = process;
        AmqpPort = amqpPort;
        ManagementPort = managementPort;
        PrometheusPort = prometheusPort;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int AmqpPort { get; }

    public int ManagementPort { get; }

    public int PrometheusPort { get; }

    /// <summary>What the node printed so far, for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The ports as configuration: a file the test adds beside the configuration under test.</summary>
    public static string PortsConfig(int amqp, int management, int prometheus) => $"""
        listeners.tcp.default = {amqp}
        management.tcp.port = {management}
        prometheus.tcp.port = {prometheus}
        """;

    /// <param name="environment">The container's RabbitMQ variables, paths already made local.</param>
    /// <param name="writePorts">Writes <see cref="PortsConfig"/> where the node will read it, given the three ports.</param>
    /// <param name="nodeName">The same name on the same root starts the same node again, with its data.</param>
    public static RabbitMQNode Start(string root, string nodeName, IReadOnlyDictionary<string, string> environment, Action<string> writePorts)
    {
        var (amqp, management, prometheus, distribution) = (FreeTcpPort.Next(), FreeTcpPort.Next(), FreeTcpPort.Next(), FreeTcpPort.Next());
        writePorts(PortsConfig(amqp, management, prometheus));

        var home = Directory.CreateDirectory(Path.Combine(root, "home")).FullName;
        var start = new ProcessStartInfo(ServerPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["HOME"] = home; // its own Erlang cookie
        start.Environment["RABBITMQ_NODENAME"] = $"{nodeName}@localhost";
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(root, "var", "lib", "rabbitmq", "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(root, "var", "log", "rabbitmq");
        start.Environment["RABBITMQ_DIST_PORT"] = distribution.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new RabbitMQNode(Process.Start(start)!, amqp, management, prometheus);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
    }
}
