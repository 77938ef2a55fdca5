using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// Publishes outbox messages in order, each confirmed by the broker before it is removed. After a
/// crash or a broker outage, whatever is still in the outbox is published again: at least once.
/// </summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes,
    ConfirmingPublisher publisher,
    OutboxSignal signal,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private const int BatchSize = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await DispatchBatchAsync(stoppingToken) == BatchSize)
                {
                    // A full batch: more may be waiting.
                }

                await signal.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogDispatchFailed(logger, exception, PollInterval.TotalSeconds);
                await Task.Delay(PollInterval, stoppingToken);
            }
        }
    }

    private async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var batch = await db.Outbox.OrderBy(m => m.Id).Take(BatchSize).ToListAsync(cancellationToken);

        foreach (var message in batch)
        {
            // In the job's trace, so the lines below are found with the job's other spans and logs.
            using var dispatch = JobTrace.StartDispatch(message.TraceParent, message.Queue);
            // Not yet taken up by a worker: attempt 0.
            using var jobContext = JobContext.Enter(logger, message.JobId, attempt: 0);
            try
            {
                // A cancellation is a broadcast: with no worker running, nobody needs to hear it (a worker that
                // takes the job later is told again when it reports), so it may reach no queue.
                await publisher.PublishSerializedAsync(message.Queue, message.Payload, message.JobId, cancellationToken,
                    mandatory: message.Queue != QueueNames.JobCancellations);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                dispatch.Failed(exception);
                message.Attempts++;
                message.LastError = Truncate(exception.Message, Jobs.JobLimits.ErrorLength);
                await db.SaveChangesAsync(cancellationToken);
                throw;
            }

            // Set-based updates: a worker's report may already have changed the job (and its
            // version), and that must neither fail this step nor be overwritten by it.
            var now = time.GetUtcNow();
            using (await db.WriteGate.EnterAsync(cancellationToken))
            await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
            {
                await db.Outbox.Where(m => m.Id == message.Id).ExecuteDeleteAsync(cancellationToken);
                if (message.Queue == QueueNames.VideoJobs)
                {
                    await db.Jobs.Where(j => j.Id == message.JobId && j.QueuedAt == null)
                        .ExecuteUpdateAsync(setters => setters.SetProperty(j => j.QueuedAt, now), cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }

            LogPublished(logger, message.JobId, message.Queue);
        }

        return batch.Count;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} published to {Queue} and confirmed by the broker")]
    private static partial void LogPublished(ILogger logger, string jobId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the outbox failed; retrying in {DelaySeconds} s")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, double delaySeconds);
}
