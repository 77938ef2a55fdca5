namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// The load tool's schedule timer (<see cref="PacedCalls"/>) woken late: when it was set, from the phase's start, and how
/// late past its tick it woke. The calls due meanwhile were started late by the load tool, not by the API.
/// </summary>
public sealed record LateTimer(double AtMilliseconds, double LateMilliseconds);
