using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Runs;

/// <summary>What a run does: how many jobs, how many clients at once, with which inputs, for how long at most.</summary>
public sealed record RunSettings(
    ApiEndpoint Api,
    int NumJobs,
    int Concurrency,
    IReadOnlyList<string> Inputs,
    TimeSpan JobTimeout,
    string OutputDirectory,
    IReadOnlyList<string>? Outputs = null)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>Inputs are used in turn, job by job.</summary>
    public string InputFor(int job) => Inputs[job % Inputs.Count];
}
