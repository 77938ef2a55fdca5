namespace VideoConversion.LoadTest.Runs;

/// <summary>Where a run shows its progress as it goes: a live terminal panel, or plain lines in a log.</summary>
public interface IRunDisplay
{
    void Sample(TimelinePoint point, int totalJobs);

    void JobFinished(JobResult job);

    void Note(string message);
}
