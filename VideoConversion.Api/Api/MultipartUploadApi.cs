using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.RateLimits;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Uploads;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Api;

/// <summary>
/// Resumable, parallel uploads of large files: the client asks for part URLs in batches just before it sends them, PUTs
/// the parts straight to storage (several at once), asks which parts storage holds when it resumes, and completes the
/// upload; storage assembles the file, and the job goes on as any upload does.
/// </summary>
public static partial class MultipartUploadApi
{
    /// <summary>The most part URLs one request signs: a client asks again as it goes, so each URL is used soon after it is signed.</summary>
    public const int MaxPartsPerRequest = 100;

    public static IEndpointRouteBuilder MapMultipartUploadApi(this IEndpointRouteBuilder app)
    {
        var uploads = app.MapGroup("/uploads/{jobId}").WithTags("Uploads").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller);
        uploads.MapPost("/parts", SignParts)
            .WithName(nameof(SignParts))
            .WithSummary("Presigned URLs for parts of a multipart upload")
            .WithDescription($"Up to {MaxPartsPerRequest} part numbers a request, from 1 to the upload's part_count; PUT each part's bytes to its URL. " +
                "The first request begins the upload in storage; each one keeps it from being taken for abandoned.");
        uploads.MapGet("/parts", ListParts)
            .WithName(nameof(ListParts))
            .WithSummary("The parts storage already holds, with their ETags: what a resuming client need not send again");
        uploads.MapPost("/complete", CompleteUpload)
            .WithName(nameof(CompleteUpload))
            .WithSummary("Complete a multipart upload: storage assembles the file and the job goes on")
            .WithDescription("Every part from 1 to part_count, each with the ETag storage answered its PUT with. A missing or wrong part is a 400 naming it.");
        uploads.MapDelete("/", AbortUpload)
            .WithName(nameof(AbortUpload))
            .WithSummary("Abort a multipart upload: storage drops its parts; the job waits for its upload again");
        return app;
    }

    public static async Task<Results<Ok<PartUrls>, ProblemHttpResult>> SignParts(
        string jobId, PartUrlsRequest? request, ClaimsPrincipal caller, [AsParameters] JobServices services, MultipartUploads multipart,
        CancellationToken cancellationToken)
    {
        var numbers = request?.PartNumbers ?? [];
        if (numbers.Count is 0 or > MaxPartsPerRequest)
        {
            return JobProblems.InvalidField("part_numbers", $"Ask for 1 to {MaxPartsPerRequest} part numbers at a time.");
        }

        var (job, refusal) = await MultipartJobAsync(jobId, caller, services, cancellationToken);
        if (job is null)
        {
            return refusal!;
        }

        if (numbers.Where(number => number < 1 || number > job.PartCount).Select(number => (int?)number).FirstOrDefault() is { } outside)
        {
            return JobProblems.InvalidField("part_numbers", $"Part {outside} is not a part of this upload: its parts are 1 to {job.PartCount}.");
        }

        var now = services.Time.GetUtcNow();
        var lifetime = services.Uploads.Value.UploadUrlLifetime;
        var uploadId = job.MultipartUploadId ?? await BeginAsync(job, services, multipart, cancellationToken);
        if (uploadId is null)
        {
            return MultipartProblems.NotAwaitingUpload(job.Id);
        }

        // Asking for parts keeps the upload from being taken for abandoned.
        await ExtendAsync(job.Id, now + services.Uploads.Value.MultipartIdleLifetime, services, cancellationToken);
        var urls = numbers.Distinct().Order()
            .Select(number => new PartUrl(number, multipart.PresignPart(
                job.InputKey, uploadId, number, UploadOptions.PartBytes(job.DeclaredBytes!.Value, job.PartSize!.Value, number), lifetime)))
            .ToList();
        return TypedResults.Ok(new PartUrls(job.Id, job.PartSize!.Value, job.PartCount!.Value, urls, now + lifetime));
    }

    public static async Task<Results<Ok<HeldParts>, ProblemHttpResult>> ListParts(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, MultipartUploads multipart, CancellationToken cancellationToken)
    {
        var (job, refusal) = await MultipartJobAsync(jobId, caller, services, cancellationToken);
        if (job is null)
        {
            return refusal!;
        }

        IReadOnlyList<StoredPart> parts = [];
        if (job.MultipartUploadId is { } uploadId)
        {
            if (await multipart.ListPartsAsync(job.InputKey, uploadId, cancellationToken) is { } held)
            {
                parts = held;
                // A client asking what storage holds is about to resume: the upload is not abandoned.
                await ExtendAsync(job.Id, services.Time.GetUtcNow() + services.Uploads.Value.MultipartIdleLifetime, services, cancellationToken);
            }
            else
            {
                // Storage has no such upload any more (its own expiry, an operator): the next part URLs begin a new one.
                await EndAsync(job.Id, uploadId, services, cancellationToken);
            }
        }

        return TypedResults.Ok(new HeldParts(job.Id, job.PartSize!.Value, job.PartCount!.Value,
            parts.Select(part => new HeldPart(part.Number, part.ETag, part.Size)).ToList()));
    }

    public static async Task<Results<Accepted<SubmitJobResponse>, ProblemHttpResult>> CompleteUpload(
        string jobId, CompleteUploadRequest? request, ClaimsPrincipal caller, [AsParameters] JobServices services, MultipartUploads multipart,
        UploadAcceptance acceptance, IOptions<QuotaOptions> quotas, CancellationToken cancellationToken)
    {
        var (job, refusal) = await MultipartJobAsync(jobId, caller, services, cancellationToken, anyStatus: true);
        if (job is null)
        {
            return refusal!;
        }

        if (job.Status != JobStatus.AwaitingUpload)
        {
            // Completed before (a client asking again after its answer was lost), the job gone on: the same answer. Any
            // other job past its upload (canceled, expired) has nothing to complete.
            return job.MultipartUploadId is null && job.InputBytes == job.DeclaredBytes && job.SubmittedAt is not null
                ? TypedResults.Accepted($"/jobs/{job.Id}", new SubmitJobResponse(job.Id, job.Status))
                : MultipartProblems.NotAwaitingUpload(job.Id);
        }

        if (await LimitProblemAsync(job, services, quotas.Value, cancellationToken) is { } overLimit)
        {
            return overLimit;
        }

        var held = job.MultipartUploadId is { } uploadId ? await multipart.ListPartsAsync(job.InputKey, uploadId, cancellationToken) : null;
        if (held is null)
        {
            // Completed already (a client asking again after its answer was lost): storage holds the whole file, and the job
            // goes on from it as below. Otherwise there is nothing to complete.
            if (await services.Storage.GetUploadAsync(job.InputKey, cancellationToken) is not { } assembled || assembled.Size != job.DeclaredBytes)
            {
                return MultipartProblems.NothingUploaded(job.Id);
            }
        }
        else
        {
            if (CompletionProblem(job, request?.Parts ?? [], held) is { } problem)
            {
                return problem;
            }

            try
            {
                await multipart.CompleteAsync(job.InputKey, job.MultipartUploadId!, held, cancellationToken);
            }
            catch (StorageRefusedException refused)
            {
                return MultipartProblems.Refused(job.Id, refused);
            }

            // Storage holds the file now, whatever becomes of this request: recorded even if its caller has gone.
            await EndAsync(job.Id, job.MultipartUploadId!, services, CancellationToken.None);
            LogCompleted(services.Logger, job.Id, held.Count);
        }

        var now = services.Time.GetUtcNow();
        if (await services.Storage.GetUploadAsync(job.InputKey, cancellationToken) is not { } upload)
        {
            return JobProblems.NotUploaded(job.Id);
        }

        // The job goes on as any upload does: by itself when it starts on upload (storage's event may be a moment behind),
        // else at POST /jobs, which then asks storage nothing.
        if (!job.StartOnUpload)
        {
            await RecordAsync(job.Id, upload, now, services, cancellationToken);
            return TypedResults.Accepted($"/jobs/{job.Id}", new SubmitJobResponse(job.Id, JobStatus.AwaitingUpload));
        }

        var decision = await acceptance.SubmitAsync(job.Id, upload, isFresh: true, job.TraceParent, withSubmission: null, cancellationToken);
        return decision.Outcome == UploadOutcome.Refused
            ? decision.Problem!
            : TypedResults.Accepted($"/jobs/{job.Id}", new SubmitJobResponse(job.Id, decision.Job?.Status ?? JobStatus.Pending));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> AbortUpload(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, MultipartUploads multipart, CancellationToken cancellationToken)
    {
        var (job, refusal) = await MultipartJobAsync(jobId, caller, services, cancellationToken, anyStatus: true);
        if (job is null)
        {
            return refusal!;
        }

        if (job.MultipartUploadId is { } uploadId)
        {
            await multipart.AbortAsync(job.InputKey, uploadId, cancellationToken);
            await EndAsync(job.Id, uploadId, services, CancellationToken.None);
        }

        return TypedResults.NoContent();
    }

    /// <summary>
    /// The size limit and the storage quota, checked again before storage assembles the file: either may have been lowered
    /// since the upload was asked for. The account's stored bytes already count this upload's declared size.
    /// </summary>
    private static async Task<ProblemHttpResult?> LimitProblemAsync(Job job, JobServices services, QuotaOptions quotas, CancellationToken cancellationToken)
    {
        var declared = job.DeclaredBytes!.Value;
        var maxFileBytes = services.Uploads.Value.MaxFileBytes;
        if (declared > maxFileBytes)
        {
            return JobProblems.UploadTooLarge(declared, maxFileBytes);
        }

        if (job.OwnerId is not { } owner)
        {
            return null;
        }

        var usage = await AccountUsage.OfAsync(services.Db, owner, cancellationToken);
        return usage.StoredBytes > quotas.MaxStoredBytes
            ? QuotaProblems.StorageQuotaExceeded(usage.StoredBytes - declared, declared, quotas.MaxStoredBytes)
            : null;
    }

    /// <summary>Every part from 1 to the count, in order, each as storage holds it (its ETag) and of the size the upload was cut in.</summary>
    private static ProblemHttpResult? CompletionProblem(Job job, IReadOnlyList<CompletedPart> given, IReadOnlyList<StoredPart> held)
    {
        var partSize = job.PartSize!.Value;
        var count = job.PartCount!.Value;
        // Up to 10,000 parts: looked up, not searched.
        var namedParts = given.GroupBy(part => part.PartNumber).ToDictionary(group => group.Key, group => group.First());
        var storedParts = held.ToDictionary(part => part.Number);
        for (var number = 1; number <= count; number++)
        {
            var named = namedParts.GetValueOrDefault(number);
            var stored = storedParts.GetValueOrDefault(number);
            if (named is null)
            {
                return MultipartProblems.BadPart(job.Id, number, "is missing from the list of parts");
            }

            if (stored is null)
            {
                return MultipartProblems.BadPart(job.Id, number, "was never received by storage: PUT it again");
            }

            if (!string.Equals(named.Etag?.Trim('"'), stored.ETag, StringComparison.Ordinal))
            {
                return MultipartProblems.BadPart(job.Id, number, $"has the ETag \"{stored.ETag}\" in storage, not \"{named.Etag}\": PUT it again, or send its ETag");
            }

            var expected = UploadOptions.PartBytes(job.DeclaredBytes!.Value, partSize, number);
            if (stored.Size != expected)
            {
                return MultipartProblems.BadPart(job.Id, number, $"holds {stored.Size} bytes, not {expected}: PUT it again");
            }
        }

        return given.FirstOrDefault(part => part.PartNumber < 1 || part.PartNumber > count) is { } extra
            ? MultipartProblems.BadPart(job.Id, extra.PartNumber, $"is not a part of this upload: its parts are 1 to {count}")
            : null;
    }

    /// <summary>The caller's job with a multipart upload, awaiting it (unless <paramref name="anyStatus"/>), or the problem why not.</summary>
    private static async Task<(Job? Job, ProblemHttpResult? Problem)> MultipartJobAsync(
        string jobId, ClaimsPrincipal caller, JobServices services, CancellationToken cancellationToken, bool anyStatus = false)
    {
        var job = JobId.IsWellFormed(jobId)
            ? await services.Db.FindVisibleAsync(caller, jobId, cancellationToken)
            : null;
        if (job is null)
        {
            return (null, JobProblems.UnknownJob(jobId));
        }

        if (job.PartSize is null)
        {
            return (null, MultipartProblems.NotMultipart(job.Id));
        }

        return !anyStatus && job.Status != JobStatus.AwaitingUpload ? (null, MultipartProblems.NotAwaitingUpload(job.Id)) : (job, null);
    }

    /// <summary>Begins the multipart upload in storage; of two requests racing to, the first recorded wins and the other's is aborted.</summary>
    private static async Task<string?> BeginAsync(Job read, JobServices services, MultipartUploads multipart, CancellationToken cancellationToken)
    {
        var uploadId = await multipart.CreateAsync(read.InputKey, read.ContentType, cancellationToken);
        string? recorded = null;
        await SaveAgainOnConflictAsync(services, async () =>
        {
            // Read afresh: the context may hold an older copy, and another request may have begun an upload meanwhile.
            var job = await services.Db.Jobs.SingleAsync(j => j.Id == read.Id, CancellationToken.None);
            recorded = job.BeginMultipart(uploadId, services.Time.GetUtcNow()) ? uploadId : job.Status == JobStatus.AwaitingUpload ? job.MultipartUploadId : null;
        }, CancellationToken.None);

        if (recorded != uploadId)
        {
            // Not the caller's to cut short: an upload nobody records would keep its parts.
            await multipart.AbortAsync(read.InputKey, uploadId, CancellationToken.None);
        }

        return recorded;
    }

    private static Task ExtendAsync(string jobId, DateTimeOffset until, JobServices services, CancellationToken cancellationToken) =>
        ChangeAsync(jobId, services, job => job.ExtendUpload(until, services.Time.GetUtcNow()), cancellationToken);

    private static Task EndAsync(string jobId, string uploadId, JobServices services, CancellationToken cancellationToken) =>
        ChangeAsync(jobId, services, job => job.EndMultipart(uploadId, services.Time.GetUtcNow()), cancellationToken);

    private static Task RecordAsync(string jobId, StoredUpload upload, DateTimeOffset at, JobServices services, CancellationToken cancellationToken) =>
        ChangeAsync(jobId, services, job => job.RecordUpload(upload.Size, upload.ETag, at), cancellationToken);

    private static Task ChangeAsync(string jobId, JobServices services, Action<Job> change, CancellationToken cancellationToken) =>
        SaveAgainOnConflictAsync(services, async () =>
        {
            // Read afresh each time: the context may hold a copy from before another writer's change (an upload event).
            var job = await services.Db.Jobs.SingleAsync(j => j.Id == jobId, cancellationToken);
            change(job);
        }, cancellationToken);

    /// <summary>
    /// Reads, changes and saves under the write gate; when another writer changed the job first (another API replica
    /// applying its upload's event, say), reads it again and decides again, a few times, rather than failing the request.
    /// </summary>
    private static async Task SaveAgainOnConflictAsync(JobServices services, Func<Task> readAndChange, CancellationToken cancellationToken)
    {
        for (var round = 1; ; round++)
        {
            using (await services.Db.WriteGate.EnterAsync(cancellationToken))
            {
                services.Db.ChangeTracker.Clear();
                await readAndChange();
                try
                {
                    await services.Db.SaveChangesHoldingGateAsync(cancellationToken);
                    return;
                }
                catch (DbUpdateConcurrencyException) when (round < 3)
                {
                    // Read again below.
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: its upload of {Parts} parts was completed by storage")]
    private static partial void LogCompleted(ILogger logger, string jobId, int parts);
}
