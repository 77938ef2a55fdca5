using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Playback;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.Api;

/// <summary>What the job endpoints depend on, bound with [AsParameters].</summary>
/// <param name="Playback">Signs the playback links of a job's answer.</param>
/// <param name="Http">The request: playback links are absolute, on the host the caller reached the API by.</param>
public sealed record JobServices(
    JobsDbContext Db, VideoStorage Storage, OutboxSignal Outbox, TimeProvider Time, JobMetrics Metrics,
    IOptions<JobOptions> JobOptions, IOptions<UploadOptions> Uploads, ILogger<JobServices> Logger, PlaybackTokens Playback, HttpContext Http);
