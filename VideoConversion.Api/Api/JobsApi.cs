using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Data;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.RateLimits;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Outbound;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Api;

public static partial class JobsApi
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").WithTags("Jobs").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller);

        jobs.MapPost("/", SubmitJob)
            .WithName(nameof(SubmitJob))
            .WithSummary("Queue an uploaded video for conversion")
            .WithDescription("Idempotent: submitting a job that is already queued, running or done changes nothing. " +
                "With input_url instead of job_id: a new job whose video the worker fetches from that http(s) address.");
        jobs.MapGet("/{jobId}", GetJob)
            .WithName(nameof(GetJob))
            .WithSummary("Status, progress and, once done, a download URL of the converted video");
        jobs.MapGet("/", ListJobs)
            .WithName(nameof(ListJobs))
            .WithSummary("Jobs, newest first, one page at a time");
        jobs.MapJobActions();

        return app;
    }

    public static async Task<Results<Accepted<SubmitJobResponse>, ProblemHttpResult>> SubmitJob(
        SubmitJobRequest? request, ClaimsPrincipal caller, [AsParameters] JobServices services,
        IOptions<QuotaOptions> quotas, JobWebhooks webhooks, OutboundTargets targets, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(request?.InputUrl))
        {
            return OutputFormats.Normalize(request.OutputFormat ?? OutputFormats.Mp4) is { } format
                ? await JobsFromUrl.CreateAsync(request, format, caller, services, quotas.Value, webhooks, targets, cancellationToken)
                : JobProblems.UnsupportedOutputFormat(request.OutputFormat);
        }

        var jobId = request?.JobId?.Trim();
        if (string.IsNullOrEmpty(jobId))
        {
            return JobProblems.MissingField("job_id");
        }

        if (OutputFormats.Normalize(request!.OutputFormat ?? OutputFormats.Mp4) is not { } outputFormat)
        {
            return JobProblems.UnsupportedOutputFormat(request.OutputFormat);
        }

        var job = JobId.IsWellFormed(jobId)
            ? await services.Db.Jobs.VisibleTo(caller).SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken)
            : null;
        if (job is null)
        {
            return JobProblems.UnknownJob(jobId);
        }

        using var jobContext = JobContext.Enter(services.Logger, job.Id, job.Attempts);
        var webhookUrl = request.WebhookUrl?.Trim();
        if (!string.IsNullOrEmpty(webhookUrl) && (job.Status != JobStatus.AwaitingUpload || job.OwnerId is null))
        {
            // Its secret would go in an answer that was already given: a repeated submission cannot carry one.
            return JobProblems.WebhookTooLate(job.Id);
        }

        if (job.Status != JobStatus.AwaitingUpload)
        {
            return Answer(job);
        }

        if (!string.IsNullOrEmpty(webhookUrl) && await webhooks.RefusalAsync(webhookUrl, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (await services.Storage.GetUploadAsync(job.InputKey, cancellationToken) is not { } upload)
        {
            return JobProblems.NotUploaded(jobId);
        }

        // A URL signed for a declared size admits no other; one signed without a size admits any,
        // so the stored size is checked here. Neither kind of misfit is kept.
        if (job.DeclaredBytes is { } declared && upload.Size != declared)
        {
            await services.Storage.DeleteInputAsync(job.InputKey, cancellationToken);
            return JobProblems.SizeMismatch(jobId, declared, upload.Size);
        }

        if (upload.Size > services.Uploads.Value.MaxFileBytes)
        {
            await services.Storage.DeleteInputAsync(job.InputKey, cancellationToken);
            LogTooLargeDeleted(services.Logger, job.Id, upload.Size);
            return JobProblems.UploadTooLarge(upload.Size, services.Uploads.Value.MaxFileBytes);
        }

        // An upload that declared no size counts against the storage quota now that its size is known: the
        // check and the submission commit as one step under the write gate, as at /upload/request.
        using var quotaGate = job.DeclaredBytes is null && job.OwnerId is not null
            ? await services.Db.WriteGate.EnterAsync(cancellationToken)
            : null;
        if (quotaGate is not null)
        {
            var usage = await AccountUsage.OfAsync(services.Db, job.OwnerId!, cancellationToken);
            if (usage.StoredBytes + upload.Size > quotas.Value.MaxStoredBytes)
            {
                quotaGate.Dispose(); // the other writers do not wait on storage
                await services.Storage.DeleteInputAsync(job.InputKey, cancellationToken);
                return QuotaProblems.StorageQuotaExceeded(usage.StoredBytes, upload.Size, quotas.Value.MaxStoredBytes);
            }
        }

        var inputBytes = upload.Size;
        var now = services.Time.GetUtcNow();
        job.Submit(inputBytes, upload.ETag, now);
        // The message goes on in the job's trace (that of its upload request).
        using var submission = JobTrace.ContinueForSubmission(job);
        services.Db.Outbox.Add(JobQueueing.Message(job, outputFormat, now, JobTrace.Current(), services.Uploads.Value.MaxFileBytes));
        // Its endpoint commits with the submission: the job's first event cannot miss it.
        var webhookSecret = string.IsNullOrEmpty(webhookUrl) ? null : webhooks.Add(services.Db, job.OwnerId!, job.Id, webhookUrl, now);

        try
        {
            // The status change and its message commit together (transactional outbox).
            _ = quotaGate is null
                ? await services.Db.SaveChangesAsync(cancellationToken)
                : await services.Db.SaveChangesHoldingGateAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // A concurrent submit won the race; answer with what it decided.
            quotaGate?.Dispose();
            services.Db.ChangeTracker.Clear();
            job = await services.Db.Jobs.VisibleTo(caller).SingleAsync(j => j.Id == jobId, cancellationToken);
            return Answer(job);
        }

        services.Outbox.Notify();
        services.Metrics.Submitted();
        LogSubmitted(services.Logger, job.Id, inputBytes);
        return Answer(job, webhookSecret);

        static Results<Accepted<SubmitJobResponse>, ProblemHttpResult> Answer(Job job, string? webhookSecret = null) =>
            job.Status is JobStatus.Failed or JobStatus.Expired or JobStatus.Canceled
                ? JobProblems.NotSubmittable(job.Id, job.Status)
                : TypedResults.Accepted($"/jobs/{job.Id}", new SubmitJobResponse(job.Id, job.Status, webhookSecret));
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJob(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        var job = JobId.IsWellFormed(jobId)
            ? await services.Db.Jobs.AsNoTracking().VisibleTo(caller).SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken)
            : null;
        return job is null
            ? JobProblems.UnknownJob(jobId)
            : TypedResults.Ok(await JobResponses.FromAsync(job, services.Storage, services.Time.GetUtcNow(), services.JobOptions.Value.StallLimit));
    }

    public static async Task<Results<Ok<JobPage>, ProblemHttpResult>> ListJobs(
        ClaimsPrincipal caller,
        [AsParameters] JobServices services,
        CancellationToken cancellationToken,
        [FromQuery] int page = 1,
        [FromQuery(Name = "page_size")] int pageSize = DefaultPageSize)
    {
        if (page < 1)
        {
            return JobProblems.InvalidField("page", "The page number starts at 1.");
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            return JobProblems.InvalidField("page_size", $"The page size must be between 1 and {MaxPageSize}.");
        }

        var query = services.Db.Jobs.AsNoTracking().VisibleTo(caller);
        var total = await query.CountAsync(cancellationToken);
        var jobs = await query
            .OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .ToListAsync(cancellationToken);

        var items = new List<JobResponse>(jobs.Count);
        foreach (var job in jobs)
        {
            items.Add(await JobResponses.FromAsync(job, services.Storage, services.Time.GetUtcNow(), services.JobOptions.Value.StallLimit));
        }

        return TypedResults.Ok(new JobPage(items, page, pageSize, total));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its upload of {InputBytes} bytes is over the limit; deleted")]
    private static partial void LogTooLargeDeleted(ILogger logger, string jobId, long inputBytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} submitted ({InputBytes} bytes uploaded); queued through the outbox")]
    private static partial void LogSubmitted(ILogger logger, string jobId, long inputBytes);
}
