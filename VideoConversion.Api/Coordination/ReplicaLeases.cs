using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using VideoConversion.Api.Data;
using VideoConversion.Api.Telemetry;

namespace VideoConversion.Api.Coordination;

/// <summary>
/// Which replica runs each of the API's singletons (<see cref="ReplicaDuties"/>): the one that holds the duty's lease.
/// On PostgreSQL a lease is a session-level advisory lock (<see cref="AdvisoryLock"/>): a replica that does not get it
/// stands by and asks again every few seconds, and takes the duty over once its holder stops, dies or loses its
/// database session. On SQLite there is one API process (more are refused at start), so a lease is granted at once and
/// never lost, and nothing is asked of the database.
/// </summary>
/// <remarks>
/// A lease excludes, it does not fence: a holder whose session ended learns of it at its next check
/// (<see cref="CheckInterval"/>, plus a call's time limit), and a standby may take the duty over in the meantime. Every
/// duty tolerates those seconds side by side: the reconciler's and the sweeper's writes are guarded by optimistic
/// concurrency, and a webhook is delivered at least once anyway.
/// </remarks>
public sealed partial class ReplicaLeases
{
    /// <summary>The duty a lease gauge's measurement is of.</summary>
    public const string DutyTag = "videoconversion.replica.duty";

    /// <summary>How often a standby asks for a lease again (±20 %, so replicas started together do not ask in step).</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often a held lease's session is checked (<see cref="AdvisoryLock.CheckAsync"/>).</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private readonly JobDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<ReplicaLeases> _logger;

    /// <summary>The duties this replica takes part in, by name: their lease while held, null while it is asked for.</summary>
    private readonly ConcurrentDictionary<string, ReplicaLease?> _duties = new(StringComparer.Ordinal);

    public ReplicaLeases(JobDatabase database, IMeterFactory meterFactory, TimeProvider time, ILogger<ReplicaLeases> logger)
    {
        _database = database;
        _time = time;
        _logger = logger;
        var meter = meterFactory.Create(JobMetrics.MeterName);
        meter.CreateObservableGauge<int>(
            "videoconversion.replica.leases", Observe, "{lease}",
            "The API's singleton duties on this replica, by duty: 1 it runs the duty, 0 it stands by. Summed over the replicas, 1 per duty.");
    }

    /// <summary>Whether this replica holds the duty's lease now (and it is not lost): a duty's gauges report only where it does.</summary>
    public bool IsHeld(string duty) => _duties.TryGetValue(duty, out var lease) && lease is { IsHeld: true };

    /// <summary>
    /// The duty's lease, once this replica holds it: at once on SQLite; on PostgreSQL as soon as no other replica holds
    /// it, asking again every <see cref="RetryInterval"/> until then. The caller disposes it to give the duty up, and
    /// stops the duty when <see cref="ReplicaLease.Lost"/> is cancelled.
    /// </summary>
    /// <exception cref="InvalidOperationException">This replica holds, or asks for, the duty's lease already.</exception>
    public async Task<ReplicaLease> AcquireAsync(string duty, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(duty);
        if (!_duties.TryAdd(duty, null))
        {
            throw new InvalidOperationException($"This replica already holds or asks for the lease of '{duty}'.");
        }

        try
        {
            var lease = _database.IsPostgreSql
                ? await TakeAsync(duty, cancellationToken)
                : new ReplicaLease(duty, held: null, _time, _logger, Forget);
            _duties[duty] = lease;
            return lease;
        }
        catch
        {
            _duties.TryRemove(duty, out _);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> whenever this replica holds the duty's lease, until <paramref name="stoppingToken"/>
    /// is cancelled. Its token is cancelled at a stop or when the lease is lost; after a loss the lease is given up and
    /// asked for again, and the work starts afresh once it is held again. An exception of the work while the lease is
    /// held is the caller's, as it was before there were leases.
    /// </summary>
    public async Task RunWhileHeldAsync(string duty, Func<CancellationToken, Task> work, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            ReplicaLease lease;
            try
            {
                lease = await AcquireAsync(duty, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            var endedWhileHeld = false;
            await using (lease)
            {
                using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lease.Lost);
                try
                {
                    await work(held.Token);
                    endedWhileHeld = !held.IsCancellationRequested;
                }
                catch (OperationCanceledException) when (held.IsCancellationRequested)
                {
                    // Stopping, or the lease was lost (logged where it was noticed).
                }
                catch (Exception exception) when (lease.Lost.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    // Whatever the work was doing failed as its lease went (its database, most likely): not the work's fault.
                    LogStoppedOnLoss(_logger, duty, exception);
                }
            }

            if (endedWhileHeld)
            {
                // Not expected of a duty: given up, and asked for again after a pause, so a duty that keeps ending
                // does not spin.
                LogEndedWhileHeld(_logger, duty);
                try
                {
                    await Task.Delay(RetryInterval, _time, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Asks for the duty's advisory lock until this replica gets it. A standby keeps its session between asks: each ask
    /// is one query, not a new connection; a session that fails is closed, and the next ask opens another.
    /// </summary>
    private async Task<ReplicaLease> TakeAsync(string duty, CancellationToken cancellationToken)
    {
        AdvisoryLock? advisoryLock = null;
        var standingBy = false;
        var failures = 0;
        try
        {
            while (true)
            {
                try
                {
                    advisoryLock ??= await AdvisoryLock.OpenAsync(_database.ConnectionString, duty, cancellationToken);
                    if (await advisoryLock.TryTakeAsync(cancellationToken))
                    {
                        var lease = new ReplicaLease(duty, advisoryLock, _time, _logger, Forget);
                        advisoryLock = null; // the lease's from now on
                        LogTaken(_logger, duty);
                        return lease;
                    }

                    if (!standingBy)
                    {
                        standingBy = true;
                        LogStandingBy(_logger, duty);
                    }
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The first failure in a row is worth a warning; the rest repeat it every few seconds.
                    var level = failures++ == 0 ? LogLevel.Warning : LogLevel.Debug;
                    LogAskFailed(_logger, level, duty, exception);
                    if (advisoryLock is not null)
                    {
                        await advisoryLock.DisposeAsync();
                        advisoryLock = null;
                    }
                }

                await Task.Delay(Jittered(RetryInterval), _time, cancellationToken);
            }
        }
        finally
        {
            if (advisoryLock is not null)
            {
                await advisoryLock.DisposeAsync();
            }
        }
    }

    private static TimeSpan Jittered(TimeSpan interval) => interval * (0.8 + (0.4 * Random.Shared.NextDouble()));

    /// <summary>A lease was disposed: the duty is no longer this replica's (until it asks again).</summary>
    private void Forget(ReplicaLease lease)
    {
        _duties.TryRemove(new KeyValuePair<string, ReplicaLease?>(lease.Duty, lease));
        if (_database.IsPostgreSql)
        {
            LogReleased(_logger, lease.Duty);
        }
    }

    private IEnumerable<Measurement<int>> Observe() =>
        _duties.Select(duty => new Measurement<int>(
            duty.Value is { IsHeld: true } ? 1 : 0, new KeyValuePair<string, object?>(DutyTag, duty.Key)));

    [LoggerMessage(Level = LogLevel.Information, Message = "This replica runs {Duty} now: it holds its lease")]
    private static partial void LogTaken(ILogger logger, string duty);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another replica runs {Duty}; this one stands by and takes it over if that one stops")]
    private static partial void LogStandingBy(ILogger logger, string duty);

    [LoggerMessage(Message = "Asking for the lease of {Duty} failed; asking again shortly")]
    private static partial void LogAskFailed(ILogger logger, LogLevel level, string duty, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gave up the lease of {Duty}")]
    private static partial void LogReleased(ILogger logger, string duty);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Duty} stopped on losing its lease")]
    private static partial void LogStoppedOnLoss(ILogger logger, string duty, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Duty} ended although its lease was held; its lease is given up and asked for again")]
    private static partial void LogEndedWhileHeld(ILogger logger, string duty);
}
