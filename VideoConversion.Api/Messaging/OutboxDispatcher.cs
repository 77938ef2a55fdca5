using System.Runtime.ExceptionServices;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Data;
using VideoConversion.Api.Telemetry;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Messaging;

/// <summary>
/// Publishes outbox messages in batches, each message confirmed by the broker before it is removed (a batch's confirmed
/// messages in one write). After a crash or a broker outage, whatever is still in the outbox is published again: at least
/// once. A batch goes out in the order of its ids; a message that fails is published again after the later ones of its
/// batch, and nothing depends on more (a worker takes jobs in any order, and a job's cancellation is also re-announced to
/// a worker that reports on a cancelled job).
/// </summary>
/// <remarks>
/// On PostgreSQL every API replica runs a dispatcher: each claims its batch with <c>FOR UPDATE SKIP LOCKED</c> in a
/// transaction held while it publishes and removes the batch, so no two replicas publish the same message, and a replica
/// that dies mid-batch releases its claim with its connection (the rows are published by another, at least once). Order
/// then holds within a replica's batch, not across replicas.
/// </remarks>
public sealed partial class OutboxDispatcher(
    IServiceScopeFactory scopes,
    DatabaseWriter writer,
    JobDatabase database,
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

    private Task<int> DispatchBatchAsync(CancellationToken cancellationToken) =>
        database.IsPostgreSql ? DispatchClaimedBatchAsync(cancellationToken) : DispatchOwnBatchAsync(cancellationToken);

    /// <summary>PostgreSQL: the batch is claimed (row locks other replicas skip) until it is published and removed.</summary>
    private async Task<int> DispatchClaimedBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        await using var claim = await db.Database.BeginTransactionAsync(cancellationToken);
        var batch = await OutboxClaims.Oldest(db, BatchSize).AsNoTracking().ToListAsync(cancellationToken);
        List<OutboxMessage> published = new(batch.Count);
        Exception? failure = null;
        try
        {
            // A broker slow to answer (flow control, a disk alarm) holds the claim's transaction open for ~50 s at most:
            // the channel's opening (the client's 20 s limit), then one confirm time (30 s, every message of the batch in
            // flight at once). Well inside the server's limit (idle_in_transaction_session_timeout, 120 s), which would
            // lose the removal of what was confirmed.
            var failures = await PublishBatchAsync(batch, published, cancellationToken);
            await RecordFailuresAsync(db, failures, CancellationToken.None);
            failure = failures.Count > 0 ? failures[0].Failure : null;
        }
        finally
        {
            // What the broker confirmed leaves the outbox as the claim ends, however the batch ended (the API stopping
            // included). Should the process die first, its claim ends with its connection and another replica publishes
            // the batch again: at least once.
            var ids = published.ConvertAll(message => message.Id);
            await db.Outbox.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(CancellationToken.None);
            await claim.CommitAsync(CancellationToken.None);
        }

        try
        {
            await MarkQueuedAsync(published, CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogForgetFailed(logger, exception, published.Count);
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return batch.Count;
    }

    /// <summary>
    /// Every message of the batch in flight at once, each in its own trace, then their confirms awaited in order: the
    /// broker takes them together (a quorum queue syncs its log for the messages that arrive together, where one at a
    /// time each waited for a sync of its own). The channel is opened first, so the client sends them in the batch's order.
    /// <paramref name="published"/> gets each that was confirmed; the ones that failed are returned, in order, with their
    /// errors. Cancelled (the API stopping): throws once every publish has ended, with <paramref name="published"/>
    /// filled, so what was confirmed still leaves the outbox (what was sent and not yet confirmed is published again,
    /// and the failures are not counted).
    /// </summary>
    private async Task<List<(OutboxMessage Message, Exception Failure)>> PublishBatchAsync(
        List<OutboxMessage> batch, List<OutboxMessage> published, CancellationToken cancellationToken)
    {
        List<(OutboxMessage, Exception)> failures = [];
        if (batch.Count == 0)
        {
            return failures; // nothing to send: the broker is not asked for a channel
        }

        try
        {
            await publisher.OpenAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The broker is away: the batch's first message carries the error, the rest wait in the outbox.
            failures.Add((batch[0], exception));
            return failures;
        }

        var publishing = batch.ConvertAll(message => PublishAsync(message, cancellationToken));
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                if (await publishing[i] is { } failure)
                {
                    failures.Add((batch[i], failure));
                    continue;
                }

                published.Add(batch[i]);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the other publishes are awaited too, so each confirmed one is counted.
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return failures;
    }

    /// <summary>Messages that could not be published: each one's attempt counted and its error kept, for an operator to see.</summary>
    private static async Task RecordFailuresAsync(
        JobsDbContext db, List<(OutboxMessage Message, Exception Failure)> failures, CancellationToken cancellationToken)
    {
        foreach (var (failed, failure) in failures)
        {
            var error = Truncate(failure.Message, Jobs.JobLimits.ErrorLength);
            await db.Outbox.Where(m => m.Id == failed.Id).ExecuteUpdateAsync(
                setters => setters.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LastError, error), cancellationToken);
        }
    }

    /// <summary>One message to the broker, in the job's trace; the failure, if it failed (not thrown: the batch still ends).</summary>
    private async Task<Exception?> PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        // In the job's trace, so the lines below are found with the job's other spans and logs.
        using var dispatch = JobTrace.StartDispatch(message.TraceParent, message.Queue);
        // Not yet taken up by a worker: attempt 0.
        using var jobContext = JobContext.Enter(logger, message.JobId, attempt: 0);
        try
        {
            // A cancellation is a broadcast: with no worker running, nobody needs to hear it (a worker that takes the job
            // later is told again when it reports), so it may reach no queue.
            await publisher.PublishSerializedAsync(message.Queue, message.Payload, message.JobId, cancellationToken,
                mandatory: message.Queue != QueueNames.JobCancellations);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            dispatch.Failed(exception);
            return exception;
        }

        LogPublished(logger, message.JobId, message.Queue);
        return null;
    }

    /// <summary>SQLite: one API process, one dispatcher; the batch is read, published, then removed through the writer.</summary>
    private async Task<int> DispatchOwnBatchAsync(CancellationToken cancellationToken)
    {
        List<OutboxMessage> batch;
        await using (var scope = scopes.CreateAsyncScope())
        {
            batch = await scope.ServiceProvider.GetRequiredService<JobsDbContext>().Outbox.AsNoTracking()
                .OrderBy(m => m.Id).Take(BatchSize).ToListAsync(cancellationToken);
        }

        // What was read may be committed but not yet flushed by the writer: a message is published only once the
        // submission it announces is on disk.
        if (batch.Count > 0)
        {
            await writer.FlushedAsync(cancellationToken);
        }

        List<OutboxMessage> published = new(batch.Count);
        try
        {
            var failures = await PublishBatchAsync(batch, published, cancellationToken);
            if (failures.Count > 0)
            {
                await writer.WriteAsync(async (db, cancellation) =>
                {
                    await RecordFailuresAsync(db, failures, cancellation);
                    return failures.Count;
                }, cancellationToken);
                ExceptionDispatchInfo.Throw(failures[0].Failure);
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
        var queued = QueuedJobs(published);
        await writer.WriteAsync(async (db, cancellation) =>
        {
            await db.Outbox.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellation);
            return queued.Count == 0 ? 0 : await db.Jobs.Where(j => queued.Contains(j.Id) && j.QueuedAt == null)
                .ExecuteUpdateAsync(setters => setters.SetProperty(j => j.QueuedAt, now), cancellation);
        }, cancellationToken);
    }

    /// <summary>
    /// The jobs whose queue message went out are marked queued, after the claim ended: a job row locked inside the claim
    /// could wait on a writer that waits on the claim's outbox rows (a job's cancel removes its unsent message).
    /// </summary>
    private async Task MarkQueuedAsync(List<OutboxMessage> published, CancellationToken cancellationToken)
    {
        var queued = QueuedJobs(published);
        if (queued.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        await writer.WriteAsync((db, cancellation) => db.Jobs.Where(j => queued.Contains(j.Id) && j.QueuedAt == null)
            .ExecuteUpdateAsync(setters => setters.SetProperty(j => j.QueuedAt, now), cancellation), cancellationToken);
    }

    private static List<string> QueuedJobs(List<OutboxMessage> published) =>
        published.Where(message => message.Queue == QueueNames.VideoJobs).Select(message => message.JobId).Distinct().ToList();

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    // Debug: one line per message, as many as submissions; the job's trace has the publish (its dispatch and send spans).
    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId} published to {Queue} and confirmed by the broker")]
    private static partial void LogPublished(ILogger logger, string jobId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Messages} published outbox messages could not be removed; they are published again")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception, int messages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing the outbox failed; retrying in {DelaySeconds} s")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, double delaySeconds);
}
