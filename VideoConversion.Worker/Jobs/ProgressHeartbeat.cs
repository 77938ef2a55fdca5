using VideoConversion.Contracts.Jobs;
using VideoConversion.Worker.Messaging;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Re-reports a job's latest progress every <see cref="JobHeartbeat.Interval"/> while nothing
/// else does (a long download or upload, a slow first frame), so that the API can tell a job
/// that is working from one whose worker vanished. It also renews the attempt's lease in the
/// attempt ledger, so that a duplicate delivery elsewhere knows this attempt is alive.
/// </summary>
public sealed class ProgressHeartbeat : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly Task _beating;
    private int _percent;

    public ProgressHeartbeat(
        JobReportPublisher reports, AttemptLedger ledger, string jobId, int run, string ledgerEntry, int attempt, TimeProvider time, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _beating = BeatAsync(reports, ledger, jobId, run, ledgerEntry, attempt, time, _stop.Token);
    }

    public void Update(int percent) => Volatile.Write(ref _percent, percent);

    private async Task BeatAsync(
        JobReportPublisher reports, AttemptLedger ledger, string jobId, int run, string ledgerEntry, int attempt, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(JobHeartbeat.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await reports.ReportProgressAsync(jobId, run, attempt, Volatile.Read(ref _percent), cancellationToken);
                await ledger.RenewAsync(ledgerEntry, attempt, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _beating;
        _stop.Dispose();
    }
}
