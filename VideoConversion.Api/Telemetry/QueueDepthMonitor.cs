using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Telemetry;

/// <summary>
/// Reads the depth of the job queues from the broker every few seconds and publishes it as
/// gauges. The API does it (one instance), not the workers (ten of them would report the same
/// queue ten times, and none run when the queue is scaled to zero). A gauge is read on every
/// scrape, so the broker is asked here, on a timer, never inside a scrape.
/// </summary>
public sealed partial class QueueDepthMonitor : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);
    private static readonly string[] Queues = [QueueNames.VideoJobs, QueueNames.VideoJobsDead, QueueNames.JobReports, QueueNames.JobReportsDead];

    private readonly IConnection _connection;
    private readonly ILogger<QueueDepthMonitor> _logger;
    private readonly ConcurrentDictionary<string, QueueDeclareOk> _latest = new();
    private IChannel? _channel;

    public QueueDepthMonitor(IConnection connection, IMeterFactory meterFactory, ILogger<QueueDepthMonitor> logger)
    {
        _connection = connection;
        _logger = logger;
        var meter = meterFactory.Create(JobMetrics.MeterName);
        meter.CreateObservableGauge(
            "videoconversion.queue.messages", () => Observe(queue => queue.MessageCount), "{message}",
            "Messages ready in each job queue, as the broker counts them (messages being processed are not included).");
        meter.CreateObservableGauge(
            "videoconversion.queue.consumers", () => Observe(queue => queue.ConsumerCount), "{consumer}",
            "Consumers attached to each job queue: on video_jobs, the workers.");
    }

    private IEnumerable<Measurement<long>> Observe(Func<QueueDeclareOk, uint> value) =>
        _latest.Select(entry => new Measurement<long>(
            value(entry.Value), new KeyValuePair<string, object?>(TelemetryNames.MessagingDestination, entry.Key)));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                await ReadAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // No number is better than a stale one: the gauges go quiet until the broker answers.
                _latest.Clear();
                LogReadFailed(_logger, exception);
                await ResetChannelAsync();
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
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
