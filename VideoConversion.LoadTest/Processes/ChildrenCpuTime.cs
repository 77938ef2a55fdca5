namespace VideoConversion.LoadTest.Processes;

/// <summary>
/// The CPU time a process's ended children used, as Linux counts it for the parent once it has waited for them
/// (cutime + cstime in /proc/PID/stat): how much of the cores an FFmpeg took, whoever started it. Read before and after
/// a run, the difference is what the run's children used, whatever else the machine did meanwhile.
/// </summary>
public static class ChildrenCpuTime
{
    /// <summary>Seconds of CPU <paramref name="pid"/>'s waited-for children used, user and system; null once it has ended.</summary>
    public static double? SecondsOf(int pid) =>
        ProcessStat.FieldsAfterName(pid) is { } fields ? ProcessStat.Seconds(fields, 16, 17) : null;

    /// <summary>The same for this process: the FFmpeg it ran itself.</summary>
    public static double OfThisProcess() => SecondsOf(Environment.ProcessId)
        ?? throw new LoadTestException("/proc/self/stat could not be read: CPU time is measured on Linux only.");

    /// <summary>The sum over <paramref name="pids"/>; null when one of them has ended (its children's time went with it).</summary>
    public static double? SumOf(IEnumerable<int> pids)
    {
        var sum = 0.0;
        foreach (var pid in pids)
        {
            if (SecondsOf(pid) is not { } seconds)
            {
                return null;
            }

            sum += seconds;
        }

        return sum;
    }
}
