namespace VideoConversion.LoadTest.Processes;

/// <summary>
/// How the machine's cores spent a stretch of time, in CPU seconds (all cores together): converting (FFmpeg and ffprobe,
/// counted as the children of whoever waited for them), each part of the system in its own processes, and idle; what is
/// left is the rest of the machine (the kernel's own work, processes that ended meanwhile, anything else running, and
/// what the hypervisor took, where it counts that as steal).
/// </summary>
/// <param name="Cores">The machine's cores, as /proc/stat lists them.</param>
/// <param name="Total">Every core's time over the stretch: its wall time times the cores.</param>
/// <param name="Idle">What of it the machine did not count busy: rounded to its ticks, so slightly negative on a stretch busy throughout.</param>
/// <param name="Parts">Each part's own processes, by the part's name; a part with no process running is absent.</param>
public sealed record CoresTime(int Cores, double Total, double Idle, double Converting, IReadOnlyDictionary<string, double> Parts)
{
    /// <summary>Busy, but neither converting nor one of the parts: can come out slightly negative, as each count is rounded to its tick.</summary>
    public double Rest => Total - Idle - Converting - Parts.Values.Sum();

    /// <summary>The stretch's wall time: every core's time over the cores.</summary>
    public double WallSeconds => Total / Cores;

    /// <summary>CPU seconds of the stretch as cores busy on average over it.</summary>
    public double OnAverage(double seconds) => Total > 0 ? seconds / WallSeconds : 0;

    /// <summary>Each figure divided by <paramref name="jobs"/>: the time of one job's share of the stretch.</summary>
    public CoresTime Per(int jobs) =>
        new(Cores, Total / jobs, Idle / jobs, Converting / jobs, Parts.ToDictionary(part => part.Key, part => part.Value / jobs));

    /// <summary>Stretches put together, as one longer stretch: each figure the sum of theirs.</summary>
    public static CoresTime Sum(IReadOnlyCollection<CoresTime> stretches) =>
        new(stretches.Max(stretch => stretch.Cores),
            stretches.Sum(stretch => stretch.Total), stretches.Sum(stretch => stretch.Idle), stretches.Sum(stretch => stretch.Converting),
            stretches.SelectMany(stretch => stretch.Parts).GroupBy(part => part.Key).ToDictionary(part => part.Key, part => part.Sum(entry => entry.Value)));
}
