using System.Globalization;
using System.Text.Json;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Counts the attempts on a job in object storage, beside the outputs. RabbitMQ 3.x counts a
/// delivery whose worker died towards the queue's delivery limit, but 4.3 and later count only
/// explicit rejections, so there a job that kills its worker every time would be redelivered for
/// ever. The ledger counts every attempt that started and was not handed back, on any broker.
/// Every change is a conditional write (If-Match on the ETag read, If-None-Match for the first),
/// so two workers holding the same job at once never lose or double a count; and each running
/// attempt holds a lease its heartbeat renews, so an attempt that is still alive is never taken
/// for one that died.
/// </summary>
public sealed partial class AttemptLedger(ConditionalObjects objects, TimeProvider time, ILogger<AttemptLedger> logger)
{
    /// <summary>A running attempt renews its lease with every heartbeat; four missed beats and it is taken for dead.</summary>
    public static readonly TimeSpan LeaseTime = JobHeartbeat.StalledAfter;

    private const int MaxWriteRounds = 20;

    /// <summary>
    /// In the output bucket, where the worker may write, under a prefix of its own: the worker's
    /// storage user may read inputs but never write them.
    /// </summary>
    /// <param name="entry">The run's entry (<see cref="StorageNames.AttemptLedgerEntry"/>); every method below takes it where it says job.</param>
    public static string Key(string entry) => StorageNames.AttemptLedgerKey(entry);

    /// <summary>Records a new attempt, the higher of the ledger's count + 1 and <paramref name="atLeast"/>, and leases it.</summary>
    /// <param name="likelyFirst">
    /// Nothing says the job was taken up before (a first delivery): the entry is created without reading it first, one
    /// storage request instead of two; should it exist after all, it is read and changed as usual.
    /// </param>
    /// <returns>The attempt, and whether another attempt of the job is running right now (a duplicate delivery).</returns>
    public async Task<(int Attempt, bool OtherRunning)> BeginAsync(string jobId, int atLeast, CancellationToken cancellationToken, bool likelyFirst = false)
    {
        var (attempt, otherRunning) = (0, false);
        await ChangeAsync(jobId, entry =>
        {
            var now = time.GetUtcNow();
            otherRunning = entry.Running.Values.Any(until => until > now);
            attempt = Math.Max(entry.Attempts + 1, atLeast);
            entry.Attempts = attempt;
            entry.Running[attempt.ToString(CultureInfo.InvariantCulture)] = now + LeaseTime;
        }, cancellationToken, assumeAbsent: likelyFirst);
        return (attempt, otherRunning);
    }

    /// <summary>The attempt is alive: its lease runs on. Best effort; a lapse only makes a later set-aside less careful.</summary>
    public async Task RenewAsync(string jobId, int attempt, CancellationToken cancellationToken)
    {
        try
        {
            await ChangeAsync(jobId, entry => entry.Running[attempt.ToString(CultureInfo.InvariantCulture)] = time.GetUtcNow() + LeaseTime, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogRenewFailed(logger, exception, jobId);
        }
    }

    /// <summary>The attempt failed and goes back to the queue: it stays counted, and no longer runs.</summary>
    public Task EndAsync(string jobId, int attempt) =>
        TryChangeAsync(jobId, entry => entry.Running.Remove(attempt.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The attempt was given back unfinished (a shutdown, a duplicate), not failed: it does not count.</summary>
    public Task HandBackAsync(string jobId, int attempt) => TryChangeAsync(jobId, entry =>
    {
        entry.Running.Remove(attempt.ToString(CultureInfo.InvariantCulture));
        if (entry.Attempts == attempt)
        {
            entry.Attempts--;
        }
    });

    /// <summary>The job has its outcome; the ledger entry goes. A leftover entry is harmless (a few bytes).</summary>
    public async Task ForgetAsync(string jobId)
    {
        try
        {
            await objects.DeleteAsync(StorageNames.OutputBucket, Key(jobId), CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogForgetFailed(logger, exception, jobId);
        }
    }

    private async Task TryChangeAsync(string jobId, Action<LedgerEntry> change)
    {
        try
        {
            await ChangeAsync(jobId, change, CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogChangeFailed(logger, exception, jobId); // the attempt then counts, or its lease runs out by itself
        }
    }

    /// <summary>Read, change, write only if nobody wrote in between; otherwise read again.</summary>
    /// <param name="assumeAbsent">The first round writes a new entry without reading (a create that fails if one exists).</param>
    private async Task ChangeAsync(string jobId, Action<LedgerEntry> change, CancellationToken cancellationToken, bool assumeAbsent = false)
    {
        for (var round = 0; round < MaxWriteRounds; round++)
        {
            var stored = assumeAbsent && round == 0 ? null : await objects.ReadAsync(StorageNames.OutputBucket, Key(jobId), cancellationToken);
            var entry = stored is { } found ? LedgerEntry.Parse(found.Content) : new LedgerEntry();
            change(entry);
            entry.Running = entry.Running.Where(lease => lease.Value > time.GetUtcNow()).ToDictionary();
            if (await objects.TryWriteAsync(StorageNames.OutputBucket, Key(jobId), entry.ToBytes(), stored?.ETag, cancellationToken))
            {
                return;
            }
        }

        throw new IOException($"The attempt ledger of job {jobId} kept changing under {MaxWriteRounds} writes.");
    }

    /// <summary>The stored document: {"attempts": 2, "running": {"2": "2026-11-30T10:00:00+00:00"}}.</summary>
    private sealed class LedgerEntry
    {
        public int Attempts { get; set; }

        public Dictionary<string, DateTimeOffset> Running { get; set; } = [];

        public static LedgerEntry Parse(byte[] content)
        {
            // Ledgers written before leases existed hold the bare count.
            if (int.TryParse(System.Text.Encoding.ASCII.GetString(content), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
            {
                return new LedgerEntry { Attempts = count };
            }

            try
            {
                return JsonSerializer.Deserialize<LedgerEntry>(content, Json) ?? new LedgerEntry();
            }
            catch (JsonException)
            {
                return new LedgerEntry();
            }
        }

        public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

        private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the attempt ledger could not be updated")]
    private static partial void LogChangeFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Job {JobId}: the running attempt's lease could not be renewed")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its attempt count could not be removed from storage")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception, string jobId);
}
