using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RabbitMQ.Client;
using VideoConversion.Api.Coordination;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Telemetry;

/// <summary>
/// Reads the depth of the job queues from the broker every few seconds and publishes it as
/// gauges. The API does it (one instance), not the workers (ten of them would report the same
/// queue ten times, and none run when the queue is scaled to zero). A gauge is read on every
/// scrape, so the broker is asked here, on a timer, never inside a scrape. With several API
/// replicas, only the one holding the monitor's lease reads and reports: one series per queue,
/// never one per replica to be summed twice.
/// </summary>
public sealed partial class QueueDepthMonitor : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] Queues = [QueueNames.VideoJobs, QueueNames.VideoJobsDead, QueueNames.JobReports, QueueNames.JobReportsDead];

    private readonly IConnection _connection;
    private readonly ReplicaLeases _leases;
    private readonly ILogger<QueueDepthMonitor> _logger;
    private readonly ConcurrentDictionary<string, QueueDeclareOk> _latest = new();
    private IChannel? _channel;

    public QueueDepthMonitor(IConnection connection, ReplicaLeases leases, IMeterFactory meterFactory, ILogger<QueueDepthMonitor> logger)
    {
        _connection = connection;
        _leases = leases;
        _logger = logger;
        var meter = meterFactory.Create(JobMetrics.MeterName);
        meter.CreateObservableGauge(
            "videoconversion.queue.messages", () => Observe(queue => queue.MessageCount), "{message}",
            "Messages ready in each job queue, as the broker counts them (messages being processed are not included).");
        meter.CreateObservableGauge(
            "videoconversion.queue.consumers", () => Observe(queue => queue.ConsumerCount), "{consumer}",
            "Consumers attached to each job queue: on video_jobs, the workers.");
    }

    /// <summary>Nothing on a replica without the monitor's lease: another replica reports the queues.</summary>
    private IEnumerable<Measurement<long>> Observe(Func<QueueDeclareOk, uint> value) =>
        _leases.IsHeld(ReplicaDuties.QueueDepthMonitor)
            ? _latest.Select(entry => new Measurement<long>(
                value(entry.Value), new KeyValuePair<string, object?>(TelemetryNames.MessagingDestination, entry.Key)))
            : [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _leases.RunWhileHeldAsync(ReplicaDuties.QueueDepthMonitor, MonitorAsync, stoppingToken);

    /// <param name="cancellationToken">Cancelled at a stop, or when this replica loses the monitor's lease.</param>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        try
        {
            // A channel left from an earlier lease may have had a read cancelled half-way: this lease starts on a new one.
            await ResetChannelAsync();
            using var timer = new PeriodicTimer(PollInterval);
            do
            {
                try
                {
                    await ReadAsync(cancellationToken);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // No number is better than a stale one: the gauges go quiet until the broker answers.
                    _latest.Clear();
                    LogReadFailed(_logger, exception);
                    await ResetChannelAsync();
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        finally
        {
            // The lease is gone (or the API stops): another replica reports the queues now, and this one's last
            // numbers are not kept for a lease regained later.
            _latest.Clear();
        }
    }

    private async Task ReadAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        if (_channel is not { IsOpen: true })
        {
            await ResetChannelAsync();
            _channel = await _connection.CreateChannelAsync(cancellationToken: timeout.Token);
        }

        foreach (var queue in Queues)
        {
            // Passive: only reads; a queue the consumers have not declared yet is an error, retried next time.
            _latest[queue] = await _channel.QueueDeclarePassiveAsync(queue, timeout.Token);
        }
    }

    private async Task ResetChannelAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
            _channel = null;
        }
    }

    public override void Dispose()
    {
        _channel?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reading the queue depths from the broker failed; trying again shortly")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
