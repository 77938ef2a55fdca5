using Microsoft.AspNetCore.Http.HttpResults;
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
    IConnection connection, IServiceScopeFactory scopes, DatabaseWriter writer, UploadAcceptance acceptance, VideoStorage storage,
    UploadEventMetrics metrics, TimeProvider time, ILogger<UploadEventsConsumer> logger)
    : QueueConsumer(connection, logger)
{
    /// <summary>An event whose handling fails this often (a second apart) is let go: the safety nets start its job.</summary>
    private const int MaxHandleAttempts = 10;

    protected override string QueueName => QueueNames.UploadEvents;

    protected override ushort PrefetchCount => 64;

    // Several at once, so their writes share the database writer's commits; events of one object are ordered by their
    // time (Job.RecordUpload), not by their arrival.
    protected override ushort ConsumerDispatchConcurrency => 16;

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

        // A read first, outside the writer: most repeated or late events end here, and the job's trace is known.
        Jobs.Job? job;
        await using (var scope = scopes.CreateAsyncScope())
        {
            job = await scope.ServiceProvider.GetRequiredService<JobsDbContext>().Jobs.AsNoTracking()
                .SingleOrDefaultAsync(j => j.Id == jobId && j.DeletedAt == null, cancellationToken);
        }

        if (job is null || job.InputKey != upload.Key)
        {
            return UploadEventMetrics.Outcomes.Unknown;
        }

        if (job.Status != Jobs.JobStatus.AwaitingUpload)
        {
            return UploadEventMetrics.Outcomes.Duplicate;
        }

        // A record without its ETag or size (some servers' copies; MinIO leaves a zero size out) is completed by storage.
        var isFresh = upload is not { ETag: not null, Size: not null };
        var stored = isFresh ? await storage.GetUploadAsync(job.InputKey, cancellationToken) : new StoredUpload(upload.Size!.Value, upload.ETag!);
        if (stored is null)
        {
            return UploadEventMetrics.Outcomes.Duplicate; // gone since: nothing to start
        }

        // The rest happens in the video's trace (its job id is tagged there, not on the event's own span).
        using var landed = JobTrace.ContinueForUpload(job);
        using var jobContext = JobContext.Enter(logger, job.Id, job.Attempts);
        var traceParent = JobTrace.Current() ?? job.TraceParent;
        var landedAt = upload.LandedAt ?? time.GetUtcNow();
        var (outcome, refusal, current) = await writer.WriteAsync<(string, ProblemHttpResult?, Jobs.Job?)>(async (db, cancellation) =>
        {
            var current = await Jobs.JobLookup.ForChangeAsync(db, jobId, cancellation);
            if (current is not { DeletedAt: null } || !current.RecordUpload(stored.Size, stored.ETag, landedAt))
            {
                return (UploadEventMetrics.Outcomes.Duplicate, null, current);
            }

            if (current.StartOnUpload && await acceptance.SubmitInBatchAsync(db, current, stored, traceParent, cancellation) is { } refusal)
            {
                // Remembered as it is; refused next, once storage confirms it holds that very upload.
                await db.SaveChangesAsync(cancellation);
                return (UploadEventMetrics.Outcomes.Refused, refusal, current);
            }

            // Submitted (one that starts on upload), or remembered for POST /jobs, which then asks storage nothing.
            await db.SaveChangesAsync(cancellation);
            return (current.StartOnUpload ? UploadEventMetrics.Outcomes.Submitted : UploadEventMetrics.Outcomes.Recorded, null, current);
        }, cancellationToken);

        if (outcome == UploadEventMetrics.Outcomes.Submitted)
        {
            acceptance.Submitted(current!);
            LogStarted(logger, jobId, stored.Size);
        }
        else if (refusal is not null)
        {
            var decision = await acceptance.RefuseAsync(current!, stored, refusal, isFresh, traceParent, cancellationToken);
            outcome = decision.Outcome switch
            {
                UploadOutcome.Submitted => UploadEventMetrics.Outcomes.Submitted, // storage held a newer upload, which fits
                UploadOutcome.Refused => UploadEventMetrics.Outcomes.Refused,
                _ => UploadEventMetrics.Outcomes.Duplicate,
            };
        }

        landed?.SetTag(TelemetryNames.UploadEventOutcome, outcome);
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload event (delivery {DeliveryTag}) is not an S3 event record; ignored")]
    private static partial void LogUnreadable(ILogger logger, ulong deliveryTag);

    [LoggerMessage(Level = LogLevel.Error, Message = "The upload event of {Key} failed {Attempts} times; let go (POST /jobs and the sweeper start its job)")]
    private static partial void LogGivenUp(ILogger logger, Exception exception, string key, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: its upload of {InputBytes} bytes landed")]
    private static partial void LogStarted(ILogger logger, string jobId, long inputBytes);
}
