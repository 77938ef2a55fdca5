using System.Globalization;

namespace VideoConversion.LoadTest.Processes;

/// <summary>
/// Reads, from Linux's /proc, where the cores' time goes between its start and <see cref="Stop"/>: the machine's counts
/// (/proc/stat), the CPU time of each running process (utime + stime), put to a part by <c>partOf</c>, and the ended
/// children's time of the processes that run the conversions (cutime + cstime, as <see cref="ChildrenCpuTime"/> reads it).
/// A process that ends within the stretch takes its time with it, unless one of those waited for it: that time falls to
/// the rest.
/// </summary>
public sealed class CoresClock
{
    /// <summary>USER_HZ, the unit of /proc's times.</summary>
    private const double TicksPerSecond = 100;

    private readonly Func<int, string?> _partOf;
    private readonly IReadOnlyList<int> _converters;
    private readonly MachineTicks _machineAtStart;
    private readonly Dictionary<int, (string Part, double Seconds)> _processesAtStart;
    private readonly double _convertingAtStart;

    private CoresClock(Func<int, string?> partOf, IReadOnlyList<int> converters, double convertingAtStart)
    {
        _partOf = partOf;
        _converters = converters;
        _convertingAtStart = convertingAtStart;
        _processesAtStart = Processes();
        _machineAtStart = MachineTicks.Read();
    }

    /// <param name="partOf">The part of the system a process is (by its id), or null for none: its time falls to the rest.</param>
    /// <param name="converters">The processes that start the conversions and wait for them: their children's time is the conversions'.</param>
    /// <returns>Null when a converter has ended.</returns>
    /// <exception cref="LoadTestException">/proc/stat cannot be read (not Linux).</exception>
    public static CoresClock? Start(Func<int, string?> partOf, IReadOnlyList<int> converters) =>
        ChildrenCpuTime.SumOf(converters) is { } converting ? new CoresClock(partOf, converters, converting) : null;

    /// <returns>Null when a converter ended within the stretch: its children's time went with it.</returns>
    public CoresTime? Stop()
    {
        var machine = MachineTicks.Read();
        if (ChildrenCpuTime.SumOf(_converters) is not { } converting)
        {
            return null;
        }

        var parts = new Dictionary<string, double>();
        foreach (var (pid, (part, seconds)) in Processes())
        {
            // A process started within the stretch spent all its time in it.
            var before = _processesAtStart.TryGetValue(pid, out var start) && start.Part == part ? start.Seconds : 0;
            parts[part] = parts.GetValueOrDefault(part) + seconds - before;
        }

        return new CoresTime(
            (machine.Total - _machineAtStart.Total) / TicksPerSecond, (machine.Idle - _machineAtStart.Idle) / TicksPerSecond,
            converting - _convertingAtStart, parts);
    }

    private Dictionary<int, (string Part, double Seconds)> Processes()
    {
        var processes = new Dictionary<int, (string, double)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && _partOf(pid) is { } part
                && OwnSeconds(pid) is { } seconds)
            {
                processes[pid] = (part, seconds);
            }
        }

        return processes;
    }

    /// <summary>The process's own CPU time, user and system (utime + stime), not its children's; null once it has ended.</summary>
    private static double? OwnSeconds(int pid) =>
        ProcessStat.FieldsAfterName(pid) is { } fields
        && long.TryParse(fields[14 - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var user)
        && long.TryParse(fields[15 - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var system)
            ? (user + system) / TicksPerSecond
            : null;

    /// <summary>The machine's line of /proc/stat: every core's ticks so far, and those idle (waiting for I/O counts as idle).</summary>
    private sealed record MachineTicks(long Total, long Idle)
    {
        public static MachineTicks Read()
        {
            string line;
            try
            {
                line = File.ReadLines("/proc/stat").First();
            }
            catch (IOException exception)
            {
                throw new LoadTestException($"/proc/stat could not be read ({exception.Message}): the cores' time is measured on Linux only.");
            }

            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is already in user's.
            var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(field => long.Parse(field, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
            return new MachineTicks(ticks.Sum(), ticks[3] + ticks[4]);
        }
    }
}
