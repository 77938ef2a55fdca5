namespace VideoConversion.Contracts.Messaging;

/// <summary>A report on <see cref="QueueNames.JobReports"/>; the API applies it to the job record.</summary>
/// <param name="Attempt">Which delivery of the job the report comes from, counting from 1.</param>
/// <param name="ConversionMethod">On <see cref="JobReportKind.Done"/>: "remux", "transcode", or which streams were copied.</param>
/// <param name="SetAside">On <see cref="JobReportKind.Failed"/>: the job was set aside because every attempt died (a dead letter).</param>
/// <param name="Cause">On <see cref="JobReportKind.Failed"/>: why, as the retry policy saw it.</param>
/// <param name="DurationSeconds">On <see cref="JobReportKind.Done"/>: the converted video's length, when known.</param>
/// <param name="Outputs">On <see cref="JobReportKind.Done"/>: what was made, as measured (null from workers that made the MP4 alone).</param>
/// <param name="Run">The job's run the report comes from (<see cref="VideoJobMessage.Run"/>): one from before a retry is stale.</param>
public sealed record JobReport(
    string JobId,
    JobReportKind Kind,
    int Progress,
    DateTimeOffset OccurredAt,
    string? Error = null,
    long? OutputBytes = null,
    int Attempt = 1,
    string? ConversionMethod = null,
    bool SetAside = false,
    Jobs.FailureCause? Cause = null,
    int Run = 0,
    double? DurationSeconds = null,
    Outputs.JobOutputs? Outputs = null);
