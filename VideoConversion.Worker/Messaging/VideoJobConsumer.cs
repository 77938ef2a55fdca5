using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Jobs;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Messaging;

/// <summary>
/// One of the worker's <see cref="ConversionSlots"/>: takes conversion jobs from <see cref="QueueNames.VideoJobs"/>, one at
/// a time, at the priority the slots give it. A job starts downloading its input as it is taken: with the turn free, while
/// its attempt is counted and reported; when the other slot converts, while it waits for the conversion turn, and on
/// SIGTERM, or after Conversion:MaxTurnWait, it goes back to the queue unstarted.
/// </summary>
public sealed partial class VideoJobConsumer(
    int slot,
    ConversionSlots slots,
    IConnection connection,
    JobProcessor processor,
    InputDownloader downloader,
    ConversionMetrics metrics,
    IOptions<ConversionOptions> options,
    ILogger<VideoJobConsumer> logger)
    : QueueConsumer(connection, logger)
{
    protected override string QueueName => QueueNames.VideoJobs;

    // One job per slot: the broker counts each slot's unacknowledged job against it, so the worker holds at most one per slot.
    protected override ushort PrefetchCount => 1;

    protected override int? ConsumerPriority => slots.PriorityOf(slot);

    protected override bool RegistersAfterEachSettle => slots.PausesBeforeSettling;

    // The worker's broker user may read video_jobs and publish reports, nothing more: the API declares.
    protected override bool DeclaresTopology => false;

    // A scale-in or deploy sends SIGTERM: the conversion in hand gets this long to finish.
    protected override TimeSpan DrainTimeout => options.Value.DrainTimeout;

    protected override Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var job = MessageSerializer.TryDeserialize<VideoJobMessage>(delivery.Body);
        if (job is null || !JobId.IsWellFormed(job.JobId) || string.IsNullOrEmpty(job.InputPath))
        {
            LogInvalidMessage(logger, delivery.DeliveryTag);
            return Task.FromResult(DeliveryOutcome.Reject); // to the dead-letter queue, for a person to look at
        }

        slots.Took(slot, job.InputBytes ?? 0);
        return ProcessInTurnAsync(job, delivery, cancellationToken);
    }

    protected override Task OnSettledAsync()
    {
        slots.Released(slot);
        return Task.CompletedTask;
    }

    private async Task<DeliveryOutcome> ProcessInTurnAsync(VideoJobMessage job, BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        // The stop, or the longest a job may wait, for a job that has not started: it goes back to the queue.
        using var handingBack = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, slots.HandingBack);
        var turnTask = slots.TakeTurnAsync(handingBack.Token);
        if (turnTask.IsCompletedSuccessfully)
        {
            // The input downloads from now on, while the attempt is counted in the ledger and PROCESSING reported, instead of
            // after both. A job taken up before may find its output stored and need no input: its attempt downloads, if at all.
            var turn = await turnTask;
            var brokerAttempt = AttemptOf(delivery);
            PrefetchedInput? headStart = null;
            try
            {
                headStart = JobProcessor.IsLikelyFirst(job, brokerAttempt, delivery.Redelivered) ? StartDownload(job, headStart: true) : null;
                return await processor.ProcessAsync(job, brokerAttempt, delivery.Redelivered, turn, headStart, cancellationToken);
            }
            finally
            {
                turn.Dispose(); // given back first, on the ways out without an attempt too
                if (headStart is not null)
                {
                    await headStart.DisposeAsync();
                }
            }
        }

        // The other slot converts: this job waits for the turn, its input downloading meanwhile. It waits at most
        // Conversion:MaxTurnWait, so that no job is held past the broker's consumer_timeout.
        handingBack.CancelAfter(options.Value.MaxTurnWait);
        PrefetchedInput? prefetched = null;
        ConversionTurn? turnTaken = null;
        try
        {
            prefetched = StartDownload(job, headStart: false);
            LogWaitingForTurn(logger, job.JobId, prefetched is not null);
            try
            {
                turnTaken = await turnTask;
            }
            catch (OperationCanceledException) when (handingBack.IsCancellationRequested)
            {
                if (slots.HandingBack.IsCancellationRequested || cancellationToken.IsCancellationRequested)
                {
                    LogHandedBackUnstarted(logger, job.JobId);
                }
                else
                {
                    LogWaitedTooLong(logger, job.JobId, options.Value.MaxTurnWait.TotalMinutes);
                }

                return DeliveryOutcome.Return;
            }

            if (slots.Stopping)
            {
                // The turn came while the worker was stopping: the job goes back rather than start now.
                LogHandedBackUnstarted(logger, job.JobId);
                return DeliveryOutcome.Return;
            }

            return await processor.ProcessAsync(job, AttemptOf(delivery), delivery.Redelivered, turnTaken, prefetched, cancellationToken);
        }
        finally
        {
            if (turnTaken is null)
            {
                // Never taken (a failure before it came): a wait left pending would take the turn and keep it for ever.
                await handingBack.CancelAsync();
                try
                {
                    (await turnTask).Dispose();
                }
                catch (OperationCanceledException)
                {
                    // the wait ended without the turn
                }
            }
            else
            {
                turnTaken.Dispose();
            }

            if (prefetched is not null)
            {
                await prefetched.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The input's download ahead of the attempt; null when there is none to make, or it cannot begin (no scratch for it,
    /// a path it cannot read): the attempt finds out, and reports.
    /// </summary>
    private PrefetchedInput? StartDownload(VideoJobMessage job, bool headStart)
    {
        try
        {
            return PrefetchedInput.Start(
                job, options.Value.ScratchDirectory, slots.InputBytesHeldBesides(slot), options.Value.TransferTimeout, headStart,
                downloader, metrics, logger);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogNoDownloadAhead(logger, exception, job.JobId);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its input cannot be downloaded ahead of its attempt; the attempt downloads it")]
    private static partial void LogNoDownloadAhead(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettering an unreadable job message (delivery {DeliveryTag})")]
    private static partial void LogInvalidMessage(ILogger logger, ulong deliveryTag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} waits for the conversion in hand (input downloading meanwhile: {Prefetching})")]
    private static partial void LogWaitingForTurn(ILogger logger, string jobId, bool prefetching);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} waited {Minutes} min for the conversion in hand (Conversion:MaxTurnWait); handed back to the queue")]
    private static partial void LogWaitedTooLong(ILogger logger, string jobId, double minutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} had not started when the worker was asked to stop; handed back to the queue")]
    private static partial void LogHandedBackUnstarted(ILogger logger, string jobId);
}
