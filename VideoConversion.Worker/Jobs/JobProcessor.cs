using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Minio;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Contracts.Telemetry;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Infrastructure.Telemetry;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Messaging;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// One job, start to finish: download the input to a private scratch directory, convert it,
/// store the output, and report. FFmpeg only ever sees local files.
/// </summary>
public sealed partial class JobProcessor(
    IMinioClient storage,
    AttemptLedger ledger,
    InputDownloader downloader,
    InputFetcher fetcher,
    VideoConverter converter,
    OutputUploader uploader,
    JobReportPublisher reports,
    CanceledJobs canceledJobs,
    ConversionMetrics metrics,
    TimeProvider time,
    IOptions<ConversionOptions> options,
    ILogger<JobProcessor> logger)
{
    private const int MaxAttempts = RetryPolicy.MaxAttempts;

    private static readonly TimeSpan ProgressReportInterval = TimeSpan.FromSeconds(1);

    /// <summary>Stored with each output, so a redelivered job can report how its output was made.</summary>

    private readonly ConversionOptions _options = options.Value;

    /// <param name="brokerAttempt">The attempt as the broker counts it (x-delivery-count + 1).</param>
    /// <param name="redelivered">The broker's redelivered flag: the message was handed out before (a worker died holding it, say).</param>
    /// <param name="turn">The worker's conversion turn, held by the caller: given back as soon as FFmpeg is done with this job.</param>
    /// <param name="prefetched">The input, downloading ahead of the attempt; null to download it in the attempt. The attempt disposes it once done with its files (before reports and back-off), the caller again.</param>
    public async Task<DeliveryOutcome> ProcessAsync(
        VideoJobMessage job, int brokerAttempt, bool redelivered, ConversionTurn turn, PrefetchedInput? prefetched, CancellationToken cancellationToken)
    {
        if (canceledJobs.IsCanceled(job.JobId, job.Run))
        {
            using var skipped = JobContext.Enter(logger, job.JobId, job.PreviousAttempts);
            LogSkippedCanceled(logger, job.JobId);
            return DeliveryOutcome.Ack;
        }

        // Canceled by its owner while it runs: everything in hand stops (FFmpeg is killed, transfers end).
        using var running = canceledJobs.Watch(job.JobId, job.Run);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, running.Canceled);
        var entry = StorageNames.AttemptLedgerEntry(job.JobId, job.Run);
        // A job the API requeued after its worker vanished counts on from the attempts it had.
        var likelyFirst = IsLikelyFirst(job, brokerAttempt, redelivered);
        var (attempt, otherRunning) = await CountAttemptAsync(entry, job.JobId, brokerAttempt, job.PreviousAttempts + 1, likelyFirst, cancellationToken);
        // Every line from here on, the ledger's included, is about this job and attempt.
        using var jobContext = JobContext.Enter(logger, job.JobId, Math.Min(attempt, MaxAttempts));
        if (attempt > MaxAttempts && otherRunning)
        {
            // A duplicate delivery while another worker's attempt is alive: that attempt is not a
            // dead one, and the job is in hand. Leave it to it (the API's reconciler takes the job
            // up again should it fall silent) instead of failing a job that is being converted.
            LogDuplicateLeftAlone(logger, job.JobId, attempt);
            await ledger.HandBackAsync(entry, attempt);
            return DeliveryOutcome.Ack;
        }

        if (attempt > MaxAttempts)
        {
            // Every earlier attempt started and never ended: its worker died each time. The
            // report is the outcome; rejecting as well would make the dead-letter consumer
            // record a second, competing one.
            var decision = RetryPolicy.Decide(FailureCause.WorkerStopped, attempt - 1);
            LogDecision(logger, null, job.JobId, attempt - 1, decision.Action, decision.Cause, decision.Reason);
            await reports.ReportFailedAsync(job.JobId, job.Run, attempt - 1, decision, cancellationToken);
            await ledger.ForgetAsync(entry);
            return DeliveryOutcome.Ack;
        }

        try
        {
            // Only a job taken up before can have an output stored already (a worker that stored it died before its ack).
            var takenUpBefore = redelivered || attempt > 1 || job.PreviousAttempts > 0;
            var outcome = await ProcessAttemptAsync(job, entry, attempt, takenUpBefore, turn, prefetched, work.Token);
            if (outcome == DeliveryOutcome.Ack)
            {
                // Off the job's path: the outcome is reported, and a leftover entry is harmless (retention removes it).
                _ = ledger.ForgetAsync(entry);
            }
            else
            {
                await ledger.EndAsync(entry, attempt);
            }

            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ledger.HandBackAsync(entry, attempt);
            throw;
        }
        catch (Exception) when (running.Canceled.IsCancellationRequested)
        {
            // Whatever the stop left behind (a killed FFmpeg, a cut transfer) is the cancellation, not a failure:
            // the scratch is gone with its scope, the API has the job as CANCELED, and the message is done.
            LogCanceledWhileRunning(logger, job.JobId, attempt);
            await ledger.ForgetAsync(entry);
            return DeliveryOutcome.Ack;
        }
    }

    /// <summary>Whether the job was never taken up before, as far as its message tells: no attempt of it can have stored an output.</summary>
    /// <param name="brokerAttempt">The attempt as the broker counts it (x-delivery-count + 1).</param>
    public static bool IsLikelyFirst(VideoJobMessage job, int brokerAttempt, bool redelivered) =>
        !redelivered && brokerAttempt == 1 && job.PreviousAttempts == 0;

    /// <summary>Which attempt this is, by the worker's own ledger when it can be read, else as the broker counts.</summary>
    /// <param name="atLeast">The attempts the API knows of (a job it requeued after its worker vanished), plus one.</param>
    private async Task<(int Attempt, bool OtherRunning)> CountAttemptAsync(
        string entry, string jobId, int brokerAttempt, int atLeast, bool likelyFirst, CancellationToken cancellationToken)
    {
        try
        {
            // The ledger counts what the broker cannot: every attempt that began and was not handed back. A broker's count
            // would add deliveries that never began (a job waiting for its turn when its worker stopped or died), which
            // RabbitMQ before 4.3 counts on every return.
            return await ledger.BeginAsync(entry, atLeast, cancellationToken, likelyFirst);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Storage trouble would most likely fail the attempt anyway, but sending the job
            // straight back would spin it through the queue; the broker's count still limits it.
            var attempt = Math.Max(brokerAttempt, atLeast);
            using var jobContext = JobContext.Enter(logger, jobId, attempt);
            LogLedgerUnavailable(logger, exception, jobId);
            return (attempt, false);
        }
    }

    private async Task<DeliveryOutcome> ProcessAttemptAsync(
        VideoJobMessage job, string entry, int attempt, bool takenUpBefore, ConversionTurn turn, PrefetchedInput? prefetched, CancellationToken cancellationToken)
    {
        using var active = metrics.Active();

        LogStarted(logger, job.JobId, attempt, job.InputPath);
        var started = time.GetTimestamp();
        string? method = null;
        var outcome = "interrupted";
        try
        {
            await reports.ReportProgressAsync(job.JobId, job.Run, attempt, 0, cancellationToken);
            (var outputBytes, method, var duration, var outputs) = await ConvertAndStoreAsync(job, entry, attempt, takenUpBefore, turn, prefetched, cancellationToken);
            await reports.ReportDoneAsync(job.JobId, job.Run, attempt, outputBytes, method, duration, outputs, cancellationToken);
            outcome = "done";
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            LogDone(logger, job.JobId, attempt, method, seconds, outputBytes);
            return DeliveryOutcome.Ack;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            turn.Release(); // the next job need not wait for this one's reports and back-off
            if (prefetched is not null)
            {
                await prefetched.DisposeAsync(); // nor its files, or a download still running: a failure before the conversion leaves both
            }

            Activity.Current.Failed(exception);
            var (cause, fileMessage) = FailureClassifier.Classify(exception);
            var decision = RetryPolicy.Decide(cause, attempt, fileMessage);
            Activity.Current?.SetTag(TelemetryNames.RetryDecision, decision.Action.ToString());
            Activity.Current?.SetTag(TelemetryNames.FailureCause, decision.Cause.ToString());
            // The file's own faults are routine (a bad upload); the system's deserve an operator's eye.
            LogDecision(logger, RetryPolicy.IsTheFilesFault(cause) ? null : exception, job.JobId, attempt, decision.Action, decision.Cause, decision.Reason);
            if (exception is ConversionFailedException { Diagnostics: { } diagnostics })
            {
                LogDiagnostics(logger, job.JobId, attempt, diagnostics);
            }

            if (decision.Action == RetryAction.Retry)
            {
                outcome = "retry";
                // The job waits in the queue again (PENDING, not a silent PROCESSING the
                // reconciler would take up), after a pause that lets a short outage pass.
                await reports.ReportRetryingAsync(job.JobId, job.Run, attempt, decision, cancellationToken);
                await Task.Delay(decision.Backoff, time, cancellationToken);
                return DeliveryOutcome.Requeue;
            }

            outcome = "failed";
            await reports.ReportFailedAsync(job.JobId, job.Run, attempt, decision, cancellationToken);
            return DeliveryOutcome.Ack;
        }
        finally
        {
            metrics.AttemptFinished(time.GetElapsedTime(started), outcome, method);
        }
    }

    private async Task<(long OutputBytes, string Method, double? DurationSeconds, JobOutputs? Outputs)> ConvertAndStoreAsync(
        VideoJobMessage job, string entry, int attempt, bool takenUpBefore, ConversionTurn turn, PrefetchedInput? prefetched, CancellationToken cancellationToken)
    {
        // A redelivery after a worker stored the outputs but died before acknowledging: they are complete (the MP4 in
        // one PUT after its check; the others before their manifest), so report them, don't redo them. A first
        // delivery asks storage nothing.
        var onlyMp4 = job.Outputs is null || job.Outputs.SequenceEqual(OutputKinds.Default);
        if (takenUpBefore && onlyMp4 && await StoredOutputs.FindAsync(storage, job.JobId, cancellationToken) is { } stored)
        {
            LogAlreadyConverted(logger, job.JobId, attempt);
            return (stored.Bytes, stored.Method ?? "unknown", null, null);
        }

        if (takenUpBefore && !onlyMp4 && await OutputManifest.FindAsync(storage, job.JobId, job.Run, cancellationToken) is { } manifest)
        {
            LogAlreadyConverted(logger, job.JobId, attempt);
            return (manifest.Outputs.TotalBytes, manifest.Method, manifest.DurationSeconds, manifest.Outputs);
        }

        await using var heartbeat = new ProgressHeartbeat(reports, ledger, job.JobId, job.Run, entry, attempt, time, cancellationToken);
        var (inputBucket, inputKey) = StorageNames.SplitPath(job.InputPath);
        using var ownScratch = prefetched is null ? ScratchDirectory.Create(_options.ScratchDirectory, job.JobId) : null;
        // The attempt's files go as soon as it is done with them, before its reports and any back-off (its owner's disposal then does nothing).
        await using var prefetchedFiles = prefetched;
        var scratch = prefetched?.Scratch ?? ownScratch!;
        var inputFile = scratch.File(ScratchDirectory.InputName(inputKey));
        var outputFile = scratch.File("output.mp4");

        if (prefetched is not null && await prefetched.ReadyAsync(cancellationToken))
        {
            // Downloaded ahead of the attempt (and counted then); the room check is the one left for the output.
            var inputBytes = new FileInfo(inputFile).Length;
            scratch.EnsureRoom(ScratchDirectory.RoomNeeded(inputBytes, OutputKinds.Work(job.Outputs ?? OutputKinds.Default)) - inputBytes);

            LogUsingPrefetchedInput(logger, job.JobId, attempt, inputBytes);
        }
        else
        {
            await DownloadAsync(job, inputBucket, inputKey, scratch, inputFile, cancellationToken);
        }

        var lastReport = time.GetTimestamp();
        var summary = await converter.ConvertAsync(inputFile, outputFile, async percent =>
        {
            heartbeat.Update(percent);
            if (time.GetElapsedTime(lastReport) >= ProgressReportInterval)
            {
                lastReport = time.GetTimestamp();
                await reports.ReportProgressAsync(job.JobId, job.Run, attempt, percent, cancellationToken);
            }
        }, cancellationToken, job.Outputs);

        // FFmpeg is done with this job: the next one converts while this one's output is stored.
        turn.Release();
        metrics.Converted(summary);
        var outputBytes = summary.Outputs.TotalBytes;
        using (var upload = WorkerActivities.Start("upload output"))
        using (var transfer = TransferTimeout(cancellationToken))
        {
            upload?.SetTag("videoconversion.output.size", outputBytes);
            await uploader.UploadAsync(job.JobId, job.Run, OutputFiles.Beside(outputFile), summary, transfer.Token);
        }

        return (outputBytes, summary.Method, summary.Plan.Duration?.TotalSeconds, summary.Outputs);
    }

    private async Task DownloadAsync(
        VideoJobMessage job, string inputBucket, string inputKey, ScratchDirectory scratch, string inputFile, CancellationToken cancellationToken)
    {
        using (var download = WorkerActivities.Start("download input"))
        using (var transfer = TransferTimeout(cancellationToken))
        {
            // Fail fast, before filling the disk; another worker (or this one later) may have room.
            void EnsureRoom(long inputBytes) => scratch.EnsureRoom(ScratchDirectory.RoomNeeded(inputBytes, OutputKinds.Work(job.Outputs ?? OutputKinds.Default)));

            if (job.InputBytes is { } expectedBytes)
            {
                EnsureRoom(expectedBytes);
            }

            if (job.InputUrl is { } inputUrl)
            {
                // A URL's size is known only from its server's answer, checked there.
                var maxBytes = Math.Min(job.MaxInputBytes ?? long.MaxValue, _options.MaxInputBytes);
                await FetchAsync(inputUrl, maxBytes, job.MaxInputBytes, inputFile, EnsureRoom, transfer.Token, cancellationToken);
            }
            else
            {
                await downloader.DownloadAsync(inputBucket, inputKey, job.InputETag, job.InputBytes, inputFile, transfer.Token);
            }

            var inputBytes = new FileInfo(inputFile).Length;
            download?.SetTag("videoconversion.input.size", inputBytes);
            metrics.Downloaded(inputBytes);
        }
    }

    /// <summary>A job from a URL: its input comes from there, not from storage; a server too slow for the transfer limit is its server's fault.</summary>
    /// <param name="promisedBytes">The limit the API promised the job's owner; a file within it is never refused as too large.</param>
    private async Task FetchAsync(
        string url, long maxBytes, long? promisedBytes, string file, Action<long> ensureRoom, CancellationToken transfer, CancellationToken cancellationToken)
    {
        try
        {
            await fetcher.FetchAsync(url, maxBytes, file, ensureRoom, transfer);
        }
        catch (ConversionFailedException tooLarge) when (tooLarge.Cause == FailureCause.LimitExceeded && maxBytes < promisedBytes)
        {
            // Over this worker's Conversion:MaxInputBytes but within what the API accepted: our settings disagree,
            // which is no fault of the file.
            throw new SystemFaultException(FailureCause.Unexpected, string.Create(CultureInfo.InvariantCulture,
                $"The worker's Conversion:MaxInputBytes ({maxBytes:N0}) is below the API's Uploads:MaxFileBytes ({promisedBytes:N0})."), inner: tooLarge);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SystemFaultException(FailureCause.InputSourceFailed, "The video's address did not finish sending within the transfer time limit.");
        }
    }

    private CancellationTokenSource TransferTimeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(_options.TransferTimeout);
        return source;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its attempt count cannot be read or written; going by the broker's count")]
    private static partial void LogLedgerUnavailable(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} was canceled by its owner before it started; skipped")]
    private static partial void LogSkippedCanceled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt}: canceled by its owner; stopped, and its scratch removed")]
    private static partial void LogCanceledWhileRunning(ILogger logger, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: delivery {Attempt} arrived while another attempt runs; left to that one")]
    private static partial void LogDuplicateLeftAlone(ILogger logger, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt}: converting {InputPath}")]
    private static partial void LogStarted(ILogger logger, string jobId, int attempt, string inputPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt}: converting the input downloaded ahead of it ({InputBytes} bytes)")]
    private static partial void LogUsingPrefetchedInput(ILogger logger, string jobId, int attempt, long inputBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt}: the output is already stored; reporting it instead of converting again")]
    private static partial void LogAlreadyConverted(ILogger logger, string jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt}: {Method} done in {Seconds:F1} s, {OutputBytes} bytes")]
    private static partial void LogDone(ILogger logger, string jobId, int attempt, string method, double seconds, long outputBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} attempt {Attempt} failed: {Decision} ({Cause}), because {Reason}")]
    private static partial void LogDecision(
        ILogger logger, Exception? exception, string jobId, int attempt, RetryAction decision, FailureCause cause, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt}: FFmpeg said: {Diagnostics}")]
    private static partial void LogDiagnostics(ILogger logger, string jobId, int attempt, string diagnostics);
}
