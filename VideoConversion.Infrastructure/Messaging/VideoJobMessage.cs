namespace VideoConversion.Infrastructure.Messaging;

/// <summary>
/// The job message on <see cref="QueueNames.VideoJobs"/>, as the seed guide's clients know it:
/// <c>{"job_id", "input_path", "output_format"}</c>; <c>input_path</c> is "bucket/key".
/// </summary>
public sealed record VideoJobMessage(string JobId, string InputPath, string OutputFormat);
