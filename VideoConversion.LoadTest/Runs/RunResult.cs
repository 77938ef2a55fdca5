namespace VideoConversion.LoadTest.Runs;

/// <summary>Everything a run measured; the reports are made from it.</summary>
public sealed record RunResult(
    string Command,
    RunSettings Settings,
    DateTimeOffset StartedAt,
    double WallSeconds,
    IReadOnlyList<JobResult> Jobs,
    IReadOnlyList<TimelinePoint> Timeline,
    IReadOnlyList<string> Events);
