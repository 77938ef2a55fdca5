namespace VideoConversion.Contracts.Messaging;

/// <summary>
/// The job message on <see cref="QueueNames.VideoJobs"/>, as the seed guide's clients know it:
/// <c>{"job_id", "input_path", "output_format"}</c>; <c>input_path</c> is "bucket/key".
/// </summary>
/// <param name="InputETag">The input as it was submitted: the worker converts that object or nothing (If-Match).</param>
/// <param name="InputBytes">Its size, so the worker can check its scratch space before downloading.</param>
/// <param name="PreviousAttempts">Attempts the job already had when the API republished it (its worker vanished): the next counts on from there.</param>
/// <param name="Run">Which run of the job this is: 0 for the first, one more for each retry its owner asked for. Each run counts its attempts afresh.</param>
/// <param name="InputUrl">For a job from a URL (no upload): where the worker fetches the video, under the outbound rules.</param>
/// <param name="MaxInputBytes">The largest input the worker may fetch from <paramref name="InputUrl"/>.</param>
/// <param name="Outputs">What to make (<see cref="Outputs.OutputKinds"/>, e.g. ["mp4", "hls"]); null for the MP4 alone.</param>
public sealed record VideoJobMessage(
    string JobId, string InputPath, string OutputFormat, string? InputETag = null, long? InputBytes = null, int PreviousAttempts = 0, int Run = 0,
    string? InputUrl = null, long? MaxInputBytes = null, IReadOnlyList<string>? Outputs = null);
