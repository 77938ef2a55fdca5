namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Which part of the system a process on this machine is, by its command line and name (/proc): the parts the benchmark
/// counts the cores' time of. Every process a part runs counts, whoever started it: the benchmark runs one system at a time.
/// </summary>
public static class SystemParts
{
    public const string LoadTool = "load tool";
    public const string Api = "API";
    public const string Workers = "workers";
    public const string Broker = "RabbitMQ";
    public const string Storage = "storage";
    public const string Database = "PostgreSQL";
    public const string Aspire = "Aspire (AppHost, DCP)";
    public const string Web = "upload page";

    /// <summary>Every part, in the order a report lists them.</summary>
    public static readonly IReadOnlyList<string> All = [Api, Workers, Broker, Storage, Database, Aspire, Web, LoadTool];

    /// <summary>The part <paramref name="pid"/> is; null for none of them, or once it has ended.</summary>
    public static string? Of(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return LoadTool;
        }

        string name, commandLine;
        try
        {
            name = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
            commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').TrimEnd();
        }
        catch (IOException)
        {
            return null;
        }

        return Of(name, commandLine);
    }

    /// <param name="name">The process's name as Linux keeps it (/proc/PID/comm: its executable's, cut to 15 characters).</param>
    /// <param name="commandLine">Its arguments, separated by spaces.</param>
    public static string? Of(string name, string commandLine) => name switch
    {
        // The Erlang VM, its port mapper and helpers.
        "beam.smp" or "epmd" or "erl_child_setup" or "inet_gethost" => Broker,
        "minio" => Storage,
        "postgres" => Database,
        _ when name.StartsWith("dcp", StringComparison.Ordinal) => Aspire,
        _ when Runs(commandLine, "/VideoConversion.Api") => Api,
        _ when Runs(commandLine, "/VideoConversion.Worker") => Workers,
        _ when Runs(commandLine, "/VideoConversion.Web") => Web,
        _ when Runs(commandLine, "/VideoConversion.AppHost") => Aspire,
        _ when commandLine.Contains("/s3-standin/server.js", StringComparison.Ordinal) => Storage,
        _ => null,
    };

    /// <summary>The service's own executable or assembly, not `dotnet run --project …/X.csproj` around it.</summary>
    private static bool Runs(string commandLine, string executable) =>
        commandLine.Contains(executable + " ", StringComparison.Ordinal) || commandLine.Contains(executable + ".dll", StringComparison.Ordinal)
        || commandLine.EndsWith(executable, StringComparison.Ordinal);
}
