using VideoConversion.LoadTest.Api;

namespace VideoConversion.LoadTest.Runs;

/// <summary>What a run does: how many jobs, how many clients at once, with which inputs, for how long at most.</summary>
/// <param name="Multipart">Upload in parts (upload_type "multipart"); otherwise in one PUT ("single"), whatever the file's size.</param>
/// <param name="PartsInFlight">With <paramref name="Multipart"/>: parts of one upload sent at once.</param>
/// <param name="PollMilliseconds">How long a client waits after each answer before asking for its job's state again.</param>
/// <param name="SampleTimeline">
/// Read the queue and its workers from the API's metrics each second, for the run's timeline (its chart and the console).
/// Off where only the jobs' times count (the benchmark): each reading has the API render all its metrics, work on the
/// cores the jobs are measured on that no user's client asks for.
/// </param>
public sealed record RunSettings(
    ApiEndpoint Api,
    int NumJobs,
    int Concurrency,
    IReadOnlyList<string> Inputs,
    TimeSpan JobTimeout,
    string OutputDirectory,
    IReadOnlyList<string>? Outputs = null,
    bool Multipart = false,
    int PartsInFlight = MultipartUpload.DefaultPartsInFlight,
    bool SampleTimeline = true,
    int PollMilliseconds = RunSettings.DefaultPollMilliseconds)
{
    /// <summary>A client watching its job closely (the `run` command's timeline shows each job's status).</summary>
    public const int DefaultPollMilliseconds = 250;

    public TimeSpan PollInterval => PollMilliseconds > 0
        ? TimeSpan.FromMilliseconds(PollMilliseconds)
        : throw new ArgumentOutOfRangeException(nameof(PollMilliseconds), PollMilliseconds, "A client waits a while between its questions.");
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>What the tool asks the API for: always said, so a file from the API's multipart threshold up still goes as told.</summary>
    public string UploadType => Multipart ? UploadTicket.Multipart : UploadTicket.OnePut;

    /// <summary>Inputs are used in turn, job by job.</summary>
    public string InputFor(int job) => Inputs[job % Inputs.Count];
}
