using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.Api;

/// <summary>What the job endpoints depend on, bound with [AsParameters].</summary>
public sealed record JobServices(
    JobsDbContext Db, VideoStorage Storage, OutboxSignal Outbox, TimeProvider Time, JobMetrics Metrics,
    IOptions<JobOptions> JobOptions, IOptions<UploadOptions> Uploads, ILogger<JobServices> Logger);
