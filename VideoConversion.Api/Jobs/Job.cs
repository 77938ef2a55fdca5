using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.Api.Jobs;

/// <summary>
/// A conversion job and its state machine. Every change goes through a method here, so the
/// rules (which transitions exist, that DONE, FAILED and EXPIRED are final) live in one place.
/// </summary>
public sealed class Job
{
    public const string DefaultFailureMessage = "The conversion failed.";

    private Job()
    {
    }

    public required string Id { get; init; }

    /// <summary>The name the user gave; shown to people, never used to build storage keys. Erased when the job is deleted.</summary>
    public required string FileName { get; set; }

    public string? ContentType { get; init; }

    public required string InputKey { get; init; }

    /// <summary>
    /// For a job from a URL: where the worker fetches the video (nothing is uploaded, nothing of it kept).
    /// Erased when the job is deleted: a URL may carry its owner's token.
    /// </summary>
    public string? InputUrl { get; private set; }

    /// <summary>The account the job belongs to: only it (and administrators) can see, submit or download it. Null for jobs made before accounts existed.</summary>
    public string? OwnerId { get; init; }

    /// <summary>The API key that made the job, if one did: its webhook endpoints hear of the job.</summary>
    public string? ApiKeyId { get; init; }

    public required string OutputFormat { get; init; }

    /// <summary>
    /// What the job makes (<see cref="OutputKinds"/>, comma-separated: "mp4,hls,poster"), as its owner chose at
    /// /upload/request or POST /jobs; "mp4" for jobs from before outputs could be chosen.
    /// </summary>
    public string Outputs { get; private set; } = OutputKinds.Mp4;

    /// <summary>What was made, as the worker measured it (<see cref="JobOutputs"/> as JSON); null until DONE, and for workers that report none.</summary>
    public string? OutputFacts { get; private set; }

    public IReadOnlyList<string> OutputList => OutputKinds.Split(Outputs);

    public JobStatus Status { get; private set; }

    public int Progress { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The size the client declared at /upload/request; the upload URL is signed for exactly it.</summary>
    public long? DeclaredBytes { get; init; }

    public long? InputBytes { get; private set; }

    /// <summary>The stored upload's ETag when it was submitted: the worker converts that object or nothing.</summary>
    public string? InputETag { get; private set; }

    public long? OutputBytes { get; private set; }

    /// <summary>The converted video's length, as the worker planned it; null when the input stated none.</summary>
    public double? OutputDurationSeconds { get; private set; }

    /// <summary>How many times a worker has taken the job up: above 1 means it was retried.</summary>
    public int Attempts { get; private set; }

    /// <summary>
    /// When the latest report applied of the current attempt was made (the worker's clock). With several API replicas
    /// consuming reports, one may apply a report after a later one of the same attempt; an older one is then stale.
    /// </summary>
    public DateTimeOffset? LastReportAt { get; private set; }

    /// <summary>How the output was made: "remux" (streams copied), "transcode", or which part was copied.</summary>
    public string? ConversionMethod { get; private set; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// Until when the upload may come: the single PUT's URL lifetime, or, for a multipart upload, as long again after
    /// the client last asked for part URLs (an upload in progress is not abandoned). Past it, the sweeper expires the job.
    /// </summary>
    public required DateTimeOffset UploadExpiresAt { get; set; }

    /// <summary>Its upload goes in parts of this size (the last one smaller); null for a single PUT.</summary>
    public long? PartSize { get; init; }

    /// <summary>How many parts its upload has; null for a single PUT.</summary>
    public int? PartCount => PartSize is { } part && DeclaredBytes is { } size ? (int)((size + part - 1) / part) : null;

    /// <summary>
    /// The multipart upload storage holds for its input (S3's upload id), from the client's first request for part URLs
    /// until it is completed or aborted; null otherwise. The sweeper aborts one left behind.
    /// </summary>
    public string? MultipartUploadId { get; private set; }

    /// <summary>Storage began the multipart upload of its input. Only while it awaits its upload, and once.</summary>
    public bool BeginMultipart(string uploadId, DateTimeOffset now)
    {
        if (Status != JobStatus.AwaitingUpload || PartSize is null || MultipartUploadId is not null)
        {
            return false;
        }

        MultipartUploadId = uploadId;
        Touch(now);
        return true;
    }

    /// <summary>The client is sending parts: the upload is not abandoned until <paramref name="until"/>.</summary>
    public void ExtendUpload(DateTimeOffset until, DateTimeOffset now)
    {
        if (Status == JobStatus.AwaitingUpload && until > UploadExpiresAt)
        {
            UploadExpiresAt = until;
            Touch(now);
        }
    }

    /// <summary>
    /// Its multipart upload <paramref name="uploadId"/> was completed or aborted: storage holds no parts of it any more.
    /// Another upload begun since (the first gone) stays.
    /// </summary>
    public void EndMultipart(string uploadId, DateTimeOffset now)
    {
        if (MultipartUploadId == uploadId)
        {
            MultipartUploadId = null;
            Touch(now);
        }
    }

    public DateTimeOffset? SubmittedAt { get; private set; }

    /// <summary>When the broker confirmed the job message; until then the job is accepted but not queued.</summary>
    public DateTimeOffset? QueuedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>
    /// The W3C traceparent of the upload request that created the job: everything done for the
    /// job afterwards joins that trace, so one video is one trace.
    /// </summary>
    public string? TraceParent { get; init; }

    /// <summary>Optimistic concurrency token: two writers never both apply a change read from the same state.</summary>
    public int Version { get; private set; }

    public bool IsFinished => Status is JobStatus.Done or JobStatus.Failed or JobStatus.Expired or JobStatus.Canceled;

    /// <summary>Runs its owner asked for after the first (retries): each counts its attempts afresh, and a report of an earlier one is stale.</summary>
    public int Runs { get; private set; }

    /// <summary>
    /// The job starts the moment its upload lands (storage's event, or whoever sees the upload first), not only at
    /// POST /jobs. False for jobs made before uploads started jobs, and for those asked to wait for POST /jobs.
    /// </summary>
    public bool StartOnUpload { get; init; }

    /// <summary>When its upload landed: the time of storage's event (storage's clock), or of the submission that found it; null until then.</summary>
    public DateTimeOffset? UploadedAt { get; private set; }

    /// <summary>The size storage reported for the upload, recorded with <see cref="UploadedAt"/>. Counted only from submission (as <see cref="InputBytes"/>).</summary>
    public long? UploadedBytes { get; private set; }

    /// <summary>The stored upload's ETag, recorded with <see cref="UploadedAt"/>.</summary>
    public string? UploadedETag { get; private set; }

    /// <summary>The upload storage announced (or a stat found), as recorded; null before.</summary>
    public Storage.StoredUpload? RecordedUpload => UploadedAt is not null && UploadedBytes is { } size && UploadedETag is { } eTag ? new(size, eTag) : null;

    /// <summary>
    /// Storage holds its upload (as storage said, when it landed <paramref name="at"/>): remembered, so a later POST /jobs
    /// asks storage nothing. Only a job awaiting its upload records one; a later upload of the same key (a new ETag)
    /// replaces it, an earlier one heard of late does not. False when nothing changed (the same upload heard of again,
    /// an older one, or the job moved on).
    /// </summary>
    public bool RecordUpload(long sizeBytes, string eTag, DateTimeOffset at)
    {
        if (Status != JobStatus.AwaitingUpload ||
            (UploadedAt is not null && ((UploadedETag == eTag && UploadedBytes == sizeBytes) || at < UploadedAt)))
        {
            return false;
        }

        UploadedAt = at;
        UploadedBytes = sizeBytes;
        UploadedETag = eTag;
        Touch(at);
        return true;
    }

    /// <summary>
    /// Its upload may not be kept (over the size limit, not the size declared, over the storage quota): a job that was
    /// to start on upload ends FAILED with the reason, since no caller is waiting for an answer. Only a job awaiting its upload.
    /// </summary>
    public bool RefuseUpload(string reason, DateTimeOffset now)
    {
        if (Status != JobStatus.AwaitingUpload)
        {
            return false;
        }

        Status = JobStatus.Failed;
        Error = reason;
        FinishedAt = now;
        Touch(now);
        return true;
    }

    /// <summary>When its owner deleted it: from then on it is a tombstone no one sees, kept until storage holds nothing of it.</summary>
    public DateTimeOffset? DeletedAt { get; private set; }

    public const string CanceledMessage = "Canceled by its owner.";

    /// <summary>
    /// Its owner no longer wants it: a job awaiting its upload, pending or processing becomes CANCELED at once
    /// (a worker that is converting it is told to stop). Canceling a canceled job changes nothing.
    /// </summary>
    public CancelOutcome Cancel(DateTimeOffset now)
    {
        switch (Status)
        {
            case JobStatus.AwaitingUpload or JobStatus.Pending or JobStatus.Processing:
                var wasWithAWorker = Status != JobStatus.AwaitingUpload;
                Status = JobStatus.Canceled;
                Error = CanceledMessage;
                FinishedAt = now;
                Touch(now);
                return wasWithAWorker ? CancelOutcome.CanceledWithWorkers : CancelOutcome.Canceled;
            case JobStatus.Canceled:
                return CancelOutcome.AlreadyCanceled;
            default:
                return CancelOutcome.AlreadyFinished;
        }
    }

    /// <summary>
    /// A fresh run of a FAILED or CANCELED job whose input is still stored: PENDING again, with its attempts,
    /// progress and error cleared. The caller queues its message in the same transaction.
    /// </summary>
    public RetryOutcome Retry(DateTimeOffset now)
    {
        if (Status is not (JobStatus.Failed or JobStatus.Canceled))
        {
            return RetryOutcome.NotRetryable;
        }

        // A job from a URL is fetched again; an upload must still be stored.
        if (InputUrl is null && (InputETag is null || InputDeletedAt is not null))
        {
            return RetryOutcome.InputGone;
        }

        Status = JobStatus.Pending;
        Runs++;
        Attempts = 0;
        LastReportAt = null;
        Progress = 0;
        Error = null;
        OutputBytes = null;
        OutputFacts = null;
        OutputDurationSeconds = null;
        ConversionMethod = null;
        QueuedAt = null;
        StartedAt = null;
        FinishedAt = null;
        SubmittedAt = now;
        Touch(now);
        return RetryOutcome.Retried;
    }

    /// <summary>
    /// Its owner deleted it: a tombstone with no file name, seen by no one, until storage holds nothing of it.
    /// Cancel first when it is still active.
    /// </summary>
    public void Delete(DateTimeOffset now)
    {
        DeletedAt ??= now;
        FileName = "";
        InputUrl = null;
        Touch(now);
    }

    /// <summary>A deleted job's files are gone from storage: its input and its output.</summary>
    public bool ForgetFiles(DateTimeOffset now)
    {
        if (DeletedAt is null || (InputDeletedAt is not null && OutputDeletedAt is not null))
        {
            return false;
        }

        InputDeletedAt ??= now;
        OutputDeletedAt ??= now;
        Touch(now);
        return true;
    }

    /// <summary>When the retention sweeper removed the uploaded input from storage; null while it is kept.</summary>
    public DateTimeOffset? InputDeletedAt { get; private set; }

    /// <summary>
    /// The input is to go (<see cref="InputDeletedAt"/> is set) but storage has not yet confirmed its removal: the
    /// claim is saved first, so no retry can start on an input being removed, and the removal is repeated until done.
    /// </summary>
    public bool InputRemovalPending { get; private set; }

    /// <summary>When the retention sweeper removed the converted output from storage; null while it is kept.</summary>
    public DateTimeOffset? OutputDeletedAt { get; private set; }

    public const string UploadExpiredMessage = "The upload did not arrive before its upload URL expired. Request a new upload to try again.";

    public const string NeverSubmittedMessage =
        "The video was uploaded but the job was never submitted (POST /jobs) before its upload URL expired. Request a new upload to try again.";

    /// <summary>
    /// An upload that never came, or came and was never submitted: the job ends as EXPIRED, and what storage
    /// holds of it is removed next. Only a job awaiting its upload can.
    /// </summary>
    public bool ExpireUpload(DateTimeOffset now, bool uploaded = false)
    {
        if (Status != JobStatus.AwaitingUpload)
        {
            return false;
        }

        Status = JobStatus.Expired;
        Error = uploaded ? NeverSubmittedMessage : UploadExpiredMessage;
        FinishedAt = now;
        Touch(now);
        return true;
    }

    /// <summary>
    /// An output past its retention time: the job is EXPIRED and hands out no download from now on; the
    /// object itself is removed next. Only a DONE job can.
    /// </summary>
    public bool ExpireOutput(DateTimeOffset now)
    {
        if (Status != JobStatus.Done)
        {
            return false;
        }

        Status = JobStatus.Expired;
        Touch(now);
        return true;
    }

    /// <summary>
    /// Retention claims the input after the job ended: it counts as gone from now on (a retry is refused), and
    /// <see cref="InputRemovalPending"/> until storage confirms it is removed.
    /// </summary>
    public bool ForgetInput(DateTimeOffset now)
    {
        if (!IsFinished || InputDeletedAt is not null)
        {
            return false;
        }

        InputDeletedAt = now;
        InputRemovalPending = true;
        Touch(now);
        return true;
    }

    /// <summary>The output of an expired job is gone from storage.</summary>
    public bool ForgetOutput(DateTimeOffset now)
    {
        if (Status != JobStatus.Expired || OutputDeletedAt is not null)
        {
            return false;
        }

        OutputDeletedAt = now;
        Touch(now);
        return true;
    }

    /// <summary>
    /// PROCESSING, but its worker has not reported for <paramref name="stalledAfter"/>: it most
    /// likely vanished. Nothing needs doing: its unacknowledged message returns to the queue when
    /// the worker's connection drops, and the next attempt takes over.
    /// </summary>
    public bool IsStalled(DateTimeOffset now, TimeSpan stalledAfter) => Status == JobStatus.Processing && now - UpdatedAt > stalledAfter;

    public static Job Create(
        string id, string fileName, string? contentType, string inputKey, DateTimeOffset now, DateTimeOffset uploadExpiresAt,
        string? traceParent = null, long? declaredBytes = null, string? ownerId = null, string? apiKeyId = null,
        bool startOnUpload = false, string outputFormat = OutputFormats.Mp4, IReadOnlyList<string>? outputs = null, long? partSize = null) =>
        new()
        {
            PartSize = partSize,
            Outputs = OutputKinds.Join(outputs ?? OutputKinds.Default),
            StartOnUpload = startOnUpload,
            Id = id,
            OwnerId = ownerId,
            ApiKeyId = apiKeyId,
            DeclaredBytes = declaredBytes,
            TraceParent = traceParent,
            FileName = fileName,
            ContentType = contentType,
            InputKey = inputKey,
            OutputFormat = outputFormat,
            Status = JobStatus.AwaitingUpload,
            CreatedAt = now,
            UpdatedAt = now,
            UploadExpiresAt = uploadExpiresAt,
        };

    /// <summary>
    /// A job from a URL: an upload's job with nothing to upload, so PENDING at once (its upload deadline passed
    /// on creation) for a worker to fetch and convert.
    /// </summary>
    public static Job CreateFromUrl(
        string id, string fileName, string inputKey, string inputUrl, DateTimeOffset now, string? traceParent, string ownerId, string? apiKeyId,
        IReadOnlyList<string>? outputs = null)
    {
        var job = Create(id, fileName, contentType: null, inputKey, now, uploadExpiresAt: now, traceParent, declaredBytes: null, ownerId, apiKeyId,
            outputs: outputs);
        job.InputUrl = inputUrl;
        job.Status = JobStatus.Pending;
        job.SubmittedAt = now;
        return job;
    }

    /// <summary>The upload is in storage: the job may be queued. Only an uploaded job awaiting it can move.</summary>
    public SubmitOutcome Submit(long inputBytes, string inputETag, DateTimeOffset now)
    {
        switch (Status)
        {
            case JobStatus.AwaitingUpload:
                Status = JobStatus.Pending;
                InputBytes = inputBytes;
                InputETag = inputETag;
                SubmittedAt = now;
                UploadedAt ??= now; // seen by a stat, not an event
                Touch(now);
                return SubmitOutcome.Submitted;
            case JobStatus.Failed or JobStatus.Expired or JobStatus.Canceled:
                return SubmitOutcome.NotSubmittable;
            default:
                return SubmitOutcome.AlreadySubmitted;
        }
    }

    /// <summary>
    /// The job's worker fell silent and left no output: the job goes back to the queue as a new
    /// attempt (the reconciler writes its message in the same transaction). Only a PROCESSING job can.
    /// </summary>
    public bool Requeue(DateTimeOffset now)
    {
        if (Status != JobStatus.Processing)
        {
            return false;
        }

        Status = JobStatus.Pending;
        Progress = 0;
        QueuedAt = null;
        Touch(now);
        return true;
    }

    /// <summary>
    /// Its owner chose what it makes at POST /jobs (a job that waits for that call). Only before it is submitted:
    /// the job's message carries them.
    /// </summary>
    public bool ChooseOutputs(IReadOnlyList<string> outputs, DateTimeOffset now)
    {
        var chosen = OutputKinds.Join(outputs);
        if (Status != JobStatus.AwaitingUpload || chosen == Outputs)
        {
            return false;
        }

        Outputs = chosen;
        Touch(now);
        return true;
    }

    /// <summary>
    /// Applies a worker's report. Returns false when the report is stale and ignored: nothing
    /// overwrites DONE or FAILED, a job that was never submitted accepts no reports, and progress
    /// from an earlier attempt (a worker that lost the job) does not overwrite the current one.
    /// </summary>
    /// <param name="receivedAt">When the API received it: a job's silence is measured by the API's clock, not a worker's.</param>
    public bool Apply(JobReport report, DateTimeOffset? receivedAt = null)
    {
        if (IsFinished || Status == JobStatus.AwaitingUpload || report.Run != Runs ||
            (report.Kind is JobReportKind.Processing or JobReportKind.Retrying &&
             (report.Attempt < Attempts || (report.Attempt == Attempts && report.OccurredAt < LastReportAt))))
        {
            return false;
        }

        LastReportAt = report.Attempt > Attempts || LastReportAt is null || report.OccurredAt > LastReportAt ? report.OccurredAt : LastReportAt;
        Attempts = Math.Max(Attempts, report.Attempt);

        var at = report.OccurredAt;
        switch (report.Kind)
        {
            case JobReportKind.Processing:
                Status = JobStatus.Processing;
                StartedAt ??= at;
                // 100 is reserved for DONE: a job at 100% that is not done would confuse people.
                Progress = Math.Clamp(report.Progress, 0, 99);
                break;
            case JobReportKind.Done:
                Status = JobStatus.Done;
                StartedAt ??= at;
                FinishedAt = at;
                Progress = 100;
                OutputBytes = report.OutputBytes;
                OutputFacts = report.Outputs is null ? null : System.Text.Encoding.UTF8.GetString(MessageSerializer.Serialize(report.Outputs));
                OutputDurationSeconds = report.DurationSeconds;
                ConversionMethod = report.ConversionMethod;
                Error = null;
                break;
            case JobReportKind.Failed:
                Status = JobStatus.Failed;
                FinishedAt = at;
                Error = string.IsNullOrWhiteSpace(report.Error) ? DefaultFailureMessage : report.Error;
                break;
            case JobReportKind.Retrying:
                // Back in the queue for its next attempt: waiting, not working.
                Status = JobStatus.Pending;
                Progress = 0;
                break;
            default:
                return false;
        }

        Touch(receivedAt ?? at);
        return true;
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now > UpdatedAt ? now : UpdatedAt;
        Version++;
    }
}

public enum CancelOutcome
{
    /// <summary>It was awaiting its upload: no worker has it.</summary>
    Canceled,

    /// <summary>It was pending or processing: the workers must hear of it.</summary>
    CanceledWithWorkers,

    AlreadyCanceled,

    /// <summary>DONE, FAILED or EXPIRED: nothing left to cancel.</summary>
    AlreadyFinished,
}

public enum RetryOutcome
{
    Retried,

    /// <summary>Only a FAILED or CANCELED job can be run again.</summary>
    NotRetryable,

    /// <summary>Its input was never uploaded, or retention has removed it.</summary>
    InputGone,
}

public enum SubmitOutcome
{
    Submitted,
    AlreadySubmitted,
    NotSubmittable,
}
