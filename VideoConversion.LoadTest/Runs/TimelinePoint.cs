namespace VideoConversion.LoadTest.Runs;

/// <param name="Seconds">Since the run started.</param>
/// <param name="Waiting">Messages ready in video_jobs, as the broker counts them (null when /metrics is not reachable).</param>
/// <param name="Workers">Consumers attached to video_jobs: the workers running (KEDA's doing, on Kubernetes).</param>
/// <param name="Busy">This run's jobs being converted (PROCESSING).</param>
/// <param name="Done">This run's jobs finished so far.</param>
public sealed record TimelinePoint(double Seconds, double? Waiting, double? Workers, int Busy, int Done);
