namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Which part of the system a process on this machine is, by its name and arguments (/proc): the parts the benchmark
/// counts the cores' time of. Every process a part runs counts, whoever started it: the benchmark runs one system at a time
/// (where other systems of the same build run, as in the tests, it counts only its own workers).
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

    /// <summary>Each part once: the known ones in their order (<see cref="All"/>), any other after them.</summary>
    public static IEnumerable<string> InReportOrder(IEnumerable<string> parts)
    {
        var counted = parts.ToHashSet();
        return All.Where(counted.Contains).Concat(counted.Except(All).Order(StringComparer.Ordinal));
    }

    /// <summary>The part <paramref name="pid"/> is; null for none of them, or once it has ended.</summary>
    public static string? Of(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return LoadTool;
        }

        string name;
        string[] arguments;
        try
        {
            name = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
            arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return Of(name, arguments);
    }

    /// <param name="name">The process's name as Linux keeps it (/proc/PID/comm: its executable's, cut to 15 characters).</param>
    /// <param name="arguments">Its command line, the executable first.</param>
    public static string? Of(string name, IReadOnlyList<string> arguments) => name switch
    {
        // The Erlang VM, its port mapper and helpers.
        "beam.smp" or "epmd" or "erl_child_setup" or "inet_gethost" => Broker,
        "minio" => Storage,
        "postgres" => Database,
        _ when name.StartsWith("dcp", StringComparison.Ordinal) => Aspire,
        _ => Program(arguments) switch
        {
            "VideoConversion.Api" => Api,
            "VideoConversion.Worker" => Workers,
            "VideoConversion.Web" => Web,
            "VideoConversion.AppHost" => Aspire,
            "server.js" when arguments.Count > 1 && arguments[1].EndsWith("/s3-standin/server.js", StringComparison.Ordinal) => Storage,
            _ => null,
        },
    };

    /// <summary>
    /// What the process runs: its executable's name, or the assembly or script an interpreter (`dotnet X.dll`, `node
    /// X.js`) runs; not what `dotnet run --project …` builds and starts, a process of its own.
    /// </summary>
    private static string? Program(IReadOnlyList<string> arguments)
    {
        if (arguments.Count == 0)
        {
            return null;
        }

        var executable = Path.GetFileName(arguments[0]);
        if (executable is "dotnet" or "node" && arguments.Count > 1 && Path.GetExtension(arguments[1]) is ".dll" or ".js")
        {
            var script = Path.GetFileName(arguments[1]);
            return script.EndsWith(".dll", StringComparison.Ordinal) ? Path.GetFileNameWithoutExtension(script) : script;
        }

        return executable;
    }
}
