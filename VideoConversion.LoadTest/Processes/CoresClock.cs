using System.Diagnostics;
using System.Globalization;

namespace VideoConversion.LoadTest.Processes;

/// <summary>
/// Reads, from Linux's /proc, where the cores' time goes between its start and <see cref="Stop"/>: the machine's busy time
/// (/proc/stat) within the stretch's wall time (its own clock, times the cores), the CPU time of each running process
/// (utime + stime), put to a part by <c>partOf</c>, and the ended children's time of the processes that run the
/// conversions (cutime + cstime, as <see cref="ChildrenCpuTime"/> reads it).
/// A process that ends within the stretch takes its time with it, unless one of those waited for it: that time falls to
/// the rest.
/// </summary>
public sealed class CoresClock
{
    private readonly Func<int, string?> _partOf;
    private readonly IReadOnlyList<int> _converters;
    private readonly HashSet<int> _noPartsAtStart;
    private readonly MachineTicks _machineAtStart;
    private readonly long _startedAt;
    private readonly double _convertingAtStart;
    private readonly Dictionary<RunningProcess, (string Part, double Seconds)> _processesAtStart;

    private CoresClock(
        Func<int, string?> partOf, IReadOnlyList<int> converters, HashSet<int> noParts, MachineTicks machine, long startedAt,
        double converting, Dictionary<RunningProcess, (string, double)> processes)
    {
        _partOf = partOf;
        _converters = converters;
        _noPartsAtStart = noParts;
        _machineAtStart = machine;
        _startedAt = startedAt;
        _convertingAtStart = converting;
        _processesAtStart = processes;
    }

    /// <param name="partOf">The part of the system a process is (by its id), or null for none: its time falls to the rest.</param>
    /// <param name="converters">The processes that start the conversions and wait for them: their children's time is the conversions'.</param>
    /// <returns>Null when a converter has ended.</returns>
    /// <exception cref="LoadTestException">/proc/stat cannot be read (not Linux).</exception>
    public static CoresClock? Start(Func<int, string?> partOf, IReadOnlyList<int> converters)
    {
        // Each running process's part is decided before the clock starts, and at the stop again only for the processes that
        // are parts (a few dozen) or new: reading names, arguments and ancestry is most of a scan of /proc, and on a short
        // stretch (one pass of API calls, a fraction of a second) a whole scan inside it would be much of what it times.
        var parts = PartsOf(partOf, noParts: []);
        var noParts = parts.Where(process => process.Value is null).Select(process => process.Key).ToHashSet();
        // The machine first at the start and last at the stop: what is counted apart falls within what it counts, and that
        // within the wall time.
        var startedAt = Stopwatch.GetTimestamp();
        var machine = MachineTicks.Read();
        return ChildrenCpuTime.SumOf(converters) is { } converting
            ? new CoresClock(partOf, converters, noParts, machine, startedAt, converting, Processes(parts))
            : null;
    }

    /// <summary>
    /// A clock whose converters are the system's workers on this machine (<see cref="LocalWorkers.FindAsync"/>, the same
    /// arguments): null unless exactly <paramref name="workers"/> of them are found, or when one ends before it starts.
    /// </summary>
    public static async Task<CoresClock?> StartWithWorkersAsync(
        Func<int, string?> partOf, string? executable, int? under, int workers, CancellationToken cancellationToken)
    {
        var found = await LocalWorkers.FindAsync(cancellationToken, executable, under);
        return found.Count == workers ? Start(partOf, found) : null;
    }

    /// <returns>Null when a converter ended within the stretch: its children's time went with it.</returns>
    public CoresTime? Stop()
    {
        var processes = Processes(PartsOf(_partOf, _noPartsAtStart));
        var converting = ChildrenCpuTime.SumOf(_converters);
        var machine = MachineTicks.Read();
        var wallSeconds = Stopwatch.GetElapsedTime(_startedAt).TotalSeconds;
        if (converting is null)
        {
            return null;
        }

        var parts = new Dictionary<string, double>();
        foreach (var (process, (part, seconds)) in processes)
        {
            // A process started within the stretch spent all its time in it.
            var before = _processesAtStart.TryGetValue(process, out var start) && start.Part == part ? start.Seconds : 0;
            parts[part] = parts.GetValueOrDefault(part) + seconds - before;
        }

        // Idle is what the machine did not count busy: /proc/stat's own idle count lags on a core that sleeps without its tick
        // (a tickless kernel), which left a mostly idle second of wall time counted as 0.64 of one.
        var total = wallSeconds * machine.Cores;
        var busy = (double)(machine.Busy - _machineAtStart.Busy) / ProcessStat.TicksPerSecond;
        return new CoresTime(machine.Cores, total, total - busy, converting.Value - _convertingAtStart, parts);
    }

    /// <summary>
    /// The part of each process running now, by its id, <paramref name="partOf"/>'s; none for <paramref name="noParts"/>,
    /// which were none at the start and are not asked again: a process that becomes one of the parts within the stretch
    /// under the same id (a shell replaced by what it runs) is missed, its time falling to the rest.
    /// </summary>
    private static Dictionary<int, string?> PartsOf(Func<int, string?> partOf, HashSet<int> noParts)
    {
        var parts = new Dictionary<int, string?>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                parts[pid] = noParts.Contains(pid) ? null : partOf(pid);
            }
        }

        return parts;
    }

    /// <summary>The CPU time of each process that is a part, as it is now.</summary>
    private static Dictionary<RunningProcess, (string, double)> Processes(Dictionary<int, string?> parts)
    {
        var processes = new Dictionary<RunningProcess, (string, double)>();
        foreach (var (pid, part) in parts)
        {
            if (part is not null
                && ProcessStat.FieldsAfterName(pid) is { } fields
                && ProcessStat.Seconds(fields, 14, 15) is { } seconds)
            {
                processes[new RunningProcess(pid, fields[22 - 3])] = (part, seconds);
            }
        }

        return processes;
    }

    /// <summary>A process by its id and its start time (proc(5)'s field 22): an id used again later is another process.</summary>
    private sealed record RunningProcess(int Pid, string StartTime);

    /// <summary>The machine's line of /proc/stat, every core's ticks busy so far (waiting for I/O counts as idle), and its cores.</summary>
    private sealed record MachineTicks(int Cores, long Busy)
    {
        public static MachineTicks Read()
        {
            List<string> lines;
            try
            {
                lines = File.ReadLines("/proc/stat").TakeWhile(line => line.StartsWith("cpu", StringComparison.Ordinal)).ToList();
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new LoadTestException($"/proc/stat could not be read ({exception.Message}): the cores' time is measured on Linux only.");
            }

            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", then a "cpuN" line per core: guest
            // time is already in user's.
            var ticks = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(field => long.Parse(field, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray();
            return new MachineTicks(lines.Count - 1, ticks.Sum() - ticks[3] - ticks[4]);
        }
    }
}
