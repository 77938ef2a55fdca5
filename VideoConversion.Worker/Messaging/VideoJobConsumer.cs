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
/// a time, at the priority the slots give it. A job that finds the other slot converting downloads its input and waits
/// for the conversion turn; on SIGTERM it goes straight back to the queue, unstarted.
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
    /// <summary>Set by the slot that takes the other's place when it must register again.</summary>
    private VideoJobConsumer? _other;

    private bool _pausedBeforeSettling;

    protected override string QueueName => QueueNames.VideoJobs;

    // One job per slot: the broker counts each slot's unacknowledged job against it, so the worker holds at most two.
    protected override ushort PrefetchCount => 1;

    protected override int? ConsumerPriority => slots.Count > 1 ? slots.PriorityOf(slot) : null;

    // The worker's broker user may read video_jobs and publish reports, nothing more: the API declares.
    protected override bool DeclaresTopology => false;

    // A scale-in or deploy sends SIGTERM: the conversion in hand gets this long to finish.
    protected override TimeSpan DrainTimeout => options.Value.DrainTimeout;

    /// <summary>Pairs the worker's slots, so each can ask the other to register again at a new priority.</summary>
    public static void Pair(VideoJobConsumer first, VideoJobConsumer second)
    {
        first._other = second;
        second._other = first;
    }

    protected override async Task<DeliveryOutcome> HandleAsync(BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var job = MessageSerializer.TryDeserialize<VideoJobMessage>(delivery.Body);
        if (job is null || !JobId.IsWellFormed(job.JobId) || string.IsNullOrEmpty(job.InputPath))
        {
            LogInvalidMessage(logger, delivery.DeliveryTag);
            return DeliveryOutcome.Reject; // to the dead-letter queue, for a person to look at
        }

        await RegisterAgainAsync(slots.Took(slot));
        try
        {
            var outcome = await ProcessInTurnAsync(job, delivery, cancellationToken);
            // Another slot holds a job: once acknowledged, this one must not take a job at the idle priority.
            if (slots.MustPauseBeforeSettling(slot))
            {
                _pausedBeforeSettling = true;
                await PauseAsync();
            }

            return outcome;
        }
        catch
        {
            if (slots.MustPauseBeforeSettling(slot))
            {
                _pausedBeforeSettling = true;
                await PauseAsync();
            }

            throw;
        }
    }

    protected override async Task OnSettledAsync()
    {
        var changed = slots.Released(slot);
        if (_pausedBeforeSettling && !changed.Contains(slot))
        {
            _pausedBeforeSettling = false;
            await ResumeAsync();
        }

        _pausedBeforeSettling = false;
        await RegisterAgainAsync(changed);
    }

    private async Task<DeliveryOutcome> ProcessInTurnAsync(VideoJobMessage job, BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        // The stop, for a job that has not started: it goes back to the queue for another worker.
        using var handingBack = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, slots.HandingBack);
        var turnTask = slots.TakeTurnAsync(handingBack.Token);
        if (turnTask.IsCompletedSuccessfully)
        {
            using var turn = await turnTask;
            return await processor.ProcessAsync(job, AttemptOf(delivery), delivery.Redelivered, turn, prefetched: null, cancellationToken);
        }

        // The other slot converts: this job waits for the turn, its input downloading meanwhile.
        var prefetched = PrefetchedInput.Start(job, options.Value.ScratchDirectory, options.Value.TransferTimeout, downloader, metrics, logger);
        LogWaitingForTurn(logger, job.JobId, prefetched is not null);
        try
        {
            ConversionTurn turn;
            try
            {
                turn = await turnTask;
            }
            catch (OperationCanceledException) when (handingBack.IsCancellationRequested)
            {
                // The worker stops before the job's turn came: back to the queue, unstarted and not counted as an attempt.
                LogHandedBackUnstarted(logger, job.JobId);
                return DeliveryOutcome.Return;
            }

            using (turn)
            {
                return await processor.ProcessAsync(job, AttemptOf(delivery), delivery.Redelivered, turn, prefetched, cancellationToken);
            }
        }
        finally
        {
            if (prefetched is not null)
            {
                await prefetched.DisposeAsync();
            }
        }
    }

    private async Task RegisterAgainAsync(IReadOnlyList<int> changed)
    {
        foreach (var changedSlot in changed)
        {
            await (changedSlot == slot ? ResumeAsync() : _other?.ResumeAsync() ?? Task.CompletedTask);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettering an unreadable job message (delivery {DeliveryTag})")]
    private static partial void LogInvalidMessage(ILogger logger, ulong deliveryTag);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} waits for the conversion in hand (input downloading meanwhile: {Prefetching})")]
    private static partial void LogWaitingForTurn(ILogger logger, string jobId, bool prefetching);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} had not started when the worker was asked to stop; handed back to the queue")]
    private static partial void LogHandedBackUnstarted(ILogger logger, string jobId);
}
