using Microsoft.EntityFrameworkCore;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Api.Data;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Uploads;

/// <summary>
/// Starts a job the moment its upload lands: storage announces every object created in the input bucket (MinIO's AMQP
/// notification target, or the stand-in's), and the API records the upload's size and ETag from the event and, for a
/// job that starts on upload, submits it. Handling an event twice changes nothing; an event lost on the way is made up
/// for by POST /jobs (which then asks storage) and by the sweeper.
/// </summary>
public sealed partial class UploadEventsConsumer(
    IConnection connection, IServiceScopeFactory scopes, UploadAcceptance acceptance, VideoStorage storage, UploadEventMetrics metrics,
    TimeProvider time, ILogger<UploadEventsConsumer> logger)
    : QueueConsumer(connection, logger)
{
    /// <summary>Writers that changed the job in between (POST /jobs, a cancel) are met by reading it again, this often.</summary>
    private const int MaxConflicts = 3;

    /// <summary>An event whose handling fails this often (a second apart) is let go: the safety nets start its job.</summary>
    private const int MaxHandleAttempts = 10;

    protected override string QueueName => QueueNames.UploadEvents;

    protected override ushort PrefetchCount => 32;

    protected override async Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        if (UploadEvent.Parse(delivery.Body) is not { } uploads)
        {
            metrics.Handled(UploadEventMetrics.Outcomes.Unreadable);
            LogUnreadable(logger, delivery.DeliveryTag);
            return DeliveryOutcome.Ack;
        }

        foreach (var upload in uploads)
        {
            try
            {
                metrics.Handled(await HandleAsync(upload, cancellationToken));
            }
            catch (Exception exception) when (exception is not OperationCanceledException && AttemptOf(delivery) >= MaxHandleAttempts)
            {
                // The database or storage failed it every time. Nothing is lost by letting it go: POST /jobs asks storage
                // itself, and the sweeper starts an upload whose event never came once its URL expires.
                metrics.Handled(UploadEventMetrics.Outcomes.Failed);
                LogGivenUp(logger, exception, upload.Key, MaxHandleAttempts);
            }
        }

        return DeliveryOutcome.Ack;
    }

    private async Task<string> HandleAsync(UploadEvent upload, CancellationToken cancellationToken)
    {
        // Input keys are "{job id}{extension}" (StorageNames.InputKey).
        var jobId = upload.Key.Split('.', 2)[0];
        if (upload.Bucket != StorageNames.InputBucket || !JobId.IsWellFormed(jobId))
        {
            return UploadEventMetrics.Outcomes.Unknown;
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
            var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == jobId && j.DeletedAt == null, cancellationToken);
            if (job is null || job.InputKey != upload.Key)
            {
                return UploadEventMetrics.Outcomes.Unknown;
            }

            // A record without its ETag or size (some servers' copies; MinIO leaves a zero size out) is completed by storage.
            var isFresh = upload is not { ETag: not null, Size: not null };
            var stored = isFresh ? await storage.GetUploadAsync(job.InputKey, cancellationToken) : new StoredUpload(upload.Size!.Value, upload.ETag!);
            if (stored is null || !job.RecordUpload(stored.Size, stored.ETag, upload.LandedAt ?? time.GetUtcNow()))
            {
                return UploadEventMetrics.Outcomes.Duplicate;
            }

            // The rest happens in the video's trace (its job id is tagged there, not on the event's own span).
            using var landed = JobTrace.ContinueForUpload(job);
            using var jobContext = JobContext.Enter(logger, job.Id, job.Attempts);
            var outcome = await RecordOrStartAsync(db, job, stored, isFresh, cancellationToken);
            landed?.SetTag(TelemetryNames.UploadEventOutcome, outcome ?? "conflict");
            if (outcome is not null)
            {
                return outcome;
            }

            if (attempt == MaxConflicts)
            {
                // The handler fails, and the event is delivered again.
                throw new DbUpdateConcurrencyException($"Job {job.Id} changed under its upload event {MaxConflicts} times in a row.");
            }
        }
    }

    /// <summary>What became of the upload; null when another writer changed the job meanwhile (read it again).</summary>
    private async Task<string?> RecordOrStartAsync(JobsDbContext db, Jobs.Job job, StoredUpload upload, bool isFresh, CancellationToken cancellationToken)
    {
        if (!job.StartOnUpload)
        {
            // It waits for POST /jobs: the upload is remembered, so that call asks storage nothing.
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return UploadEventMetrics.Outcomes.Recorded;
            }
            catch (DbUpdateConcurrencyException)
            {
                return null;
            }
        }

        var decision = await acceptance.SubmitAsync(db, job, upload, withSubmission: null, cancellationToken, isFresh);
        switch (decision.Outcome)
        {
            case UploadOutcome.Submitted:
                LogStarted(logger, job.Id, upload.Size);
                return UploadEventMetrics.Outcomes.Submitted;
            case UploadOutcome.Refused:
                return UploadEventMetrics.Outcomes.Refused;
            case UploadOutcome.NotUploaded:
                return UploadEventMetrics.Outcomes.Duplicate;
            default:
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload event (delivery {DeliveryTag}) is not an S3 event record; ignored")]
    private static partial void LogUnreadable(ILogger logger, ulong deliveryTag);

    [LoggerMessage(Level = LogLevel.Error, Message = "The upload event of {Key} failed {Attempts} times; let go (POST /jobs and the sweeper start its job)")]
    private static partial void LogGivenUp(ILogger logger, Exception exception, string key, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: its upload of {InputBytes} bytes landed")]
    private static partial void LogStarted(ILogger logger, string jobId, long inputBytes);
}
