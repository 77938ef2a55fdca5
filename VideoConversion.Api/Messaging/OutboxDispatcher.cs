using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// Publishes outbox messages in order, each confirmed by the broker before it is removed (a batch's confirmed messages in
/// one write). After a crash or a broker outage, whatever is still in the outbox is published again: at least once.
/// </summary>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes,
    DatabaseWriter writer,
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
        List<OutboxMessage> batch;
        await using (var scope = scopes.CreateAsyncScope())
        {
            batch = await scope.ServiceProvider.GetRequiredService<JobsDbContext>().Outbox.AsNoTracking()
                .OrderBy(m => m.Id).Take(BatchSize).ToListAsync(cancellationToken);
        }

        List<OutboxMessage> published = new(batch.Count);
        try
        {
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
                    var error = Truncate(exception.Message, Jobs.JobLimits.ErrorLength);
                    await writer.WriteAsync((db, cancellation) => db.Outbox.Where(m => m.Id == message.Id)
                        .ExecuteUpdateAsync(setters => setters.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LastError, error), cancellation),
                        cancellationToken);
                    throw;
                }

                published.Add(message);
                LogPublished(logger, message.JobId, message.Queue);
            }
        }
        finally
        {
            // What the broker confirmed leaves the outbox, in one write of the database writer's batch. Should the API stop
            // first (or this write fail), it is published again: at least once.
            try
            {
                await ForgetPublishedAsync(published, CancellationToken.None);
            }
            catch (Exception exception)
            {
                LogForgetFailed(logger, exception, published.Count);
            }
        }

        return batch.Count;
    }

    /// <summary>
    /// Set-based updates: a worker's report may already have changed the job (and its version), and that must neither fail
    /// this step nor be overwritten by it.
    /// </summary>
    private async Task ForgetPublishedAsync(List<OutboxMessage> published, CancellationToken cancellationToken)
    {
        if (published.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var ids = published.ConvertAll(message => message.Id);
        var queued = published.Where(message => message.Queue == QueueNames.VideoJobs).Select(message => message.JobId).Distinct().ToList();
        await writer.WriteAsync(async (db, cancellation) =>
        {
            await db.Outbox.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellation);
            return queued.Count == 0 ? 0 : await db.Jobs.Where(j => queued.Contains(j.Id) && j.QueuedAt == null)
                .ExecuteUpdateAsync(setters => setters.SetProperty(j => j.QueuedAt, now), cancellation);
        }, cancellationToken);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} published to {Queue} and confirmed by the broker")]
    private static partial void LogPublished(ILogger logger, string jobId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} published outbox messages could not be removed; they are published again")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception, int messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the outbox failed; retrying in {DelaySeconds} s")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, double delaySeconds);
}
