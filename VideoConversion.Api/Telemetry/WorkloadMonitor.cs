using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Telemetry;

/// <summary>
/// How much conversion work waits or runs: the jobs PENDING or PROCESSING, each weighed by its outputs
/// (<see cref="OutputKinds.Work"/>: a job with an HLS ladder is about 2.8 MP4 conversions). The queue's depth counts
/// jobs alike; this gauge is what the workers' autoscaler adds where Prometheus runs (KEDA's prometheus trigger in the
/// Minikube overlay). Read from the database on a timer, never inside a scrape. With several API replicas, only the one
/// holding the monitor's lease reads and reports it: one series, which the autoscaler must not see summed per replica.
/// </summary>
public sealed partial class WorkloadMonitor : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private readonly IServiceScopeFactory _scopes;
    private readonly ReplicaLeases _leases;
    private readonly ILogger<WorkloadMonitor> _logger;
    private volatile Workload? _latest;

    public WorkloadMonitor(IServiceScopeFactory scopes, ReplicaLeases leases, IMeterFactory meterFactory, ILogger<WorkloadMonitor> logger)
    {
        _scopes = scopes;
        _leases = leases;
        _logger = logger;
        var meter = meterFactory.Create(JobMetrics.MeterName);
        meter.CreateObservableGauge<double>("videoconversion.jobs.work",
            // Nothing on a replica without the monitor's lease: another replica reports the work.
            () => _latest is { } latest && _leases.IsHeld(ReplicaDuties.WorkloadMonitor)
                ? [new Measurement<double>(latest.Work)]
                : Array.Empty<Measurement<double>>(),
            "{mp4}", "Conversion work pending or running, in MP4 conversions: each job weighed by its outputs (an HLS ladder is 1.75).");
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _leases.RunWhileHeldAsync(ReplicaDuties.WorkloadMonitor, MonitorAsync, stoppingToken);

    /// <param name="cancellationToken">Cancelled at a stop, or when this replica loses the monitor's lease.</param>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(PollInterval);
            do
            {
                try
                {
                    _latest = await ReadAsync(cancellationToken);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    _latest = null; // no number rather than a stale one
                    LogReadFailed(_logger, exception);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        finally
        {
            // The lease is gone (or the API stops): another replica reports the work now, and this one's last number
            // is not kept for a lease regained later.
            _latest = null;
        }
    }

    private async Task<Workload> ReadAsync(CancellationToken cancellationToken)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JobsDbContext>();
        var byOutputs = await db.Jobs.AsNoTracking()
            .Where(job => job.Status == JobStatus.Pending || job.Status == JobStatus.Processing)
            .GroupBy(job => job.Outputs)
            .Select(group => new { Outputs = group.Key, Jobs = group.Count() })
            .ToListAsync(cancellationToken);
        return new Workload(
            byOutputs.Sum(group => group.Jobs),
            Math.Round(byOutputs.Sum(group => group.Jobs * OutputKinds.Work(OutputKinds.Split(group.Outputs))), 2));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the pending work failed; trying again next round")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}

/// <param name="Jobs">Jobs PENDING or PROCESSING.</param>
/// <param name="Work">Their work in MP4 conversions (<see cref="OutputKinds.Work"/>).</param>
public sealed record Workload(int Jobs, double Work);
