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
using VideoConversion.Api.Uploads;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Outbound;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Api;

public static class JobsApi
{
    public const int DefaultPageSize = 20;

    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/jobs").WithTags("Jobs").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller);

        jobs.MapPost("/", SubmitJob)
            .WithName(nameof(SubmitJob))
            .WithSummary("Queue an uploaded video for conversion")
            .WithDescription("Jobs start by themselves when their upload lands (start: \"upload\" at /upload/request, the default); this call " +
                "starts one that waits for it (start: \"submit\"), or one whose upload storage did not announce. " +
                "Idempotent: submitting a job that is already queued, running or done changes nothing; one that failed is a 409 with its error. " +
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
        IOptions<QuotaOptions> quotas, JobWebhooks webhooks, OutboundTargets targets, UploadAcceptance acceptance, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? outputs = null;
        if (request?.Outputs is not null && (outputs = OutputKinds.Normalize(request.Outputs, out var unknownOutput)) is null)
        {
            return JobProblems.UnknownOutput(unknownOutput);
        }

        if (!string.IsNullOrWhiteSpace(request?.InputUrl))
        {
            return OutputFormats.Normalize(request.OutputFormat ?? OutputFormats.Mp4) is { } format
                ? await JobsFromUrl.CreateAsync(request, format, outputs ?? OutputKinds.Default, caller, services, quotas.Value, webhooks, targets, cancellationToken)
                : JobProblems.UnsupportedOutputFormat(request.OutputFormat);
        }

        var jobId = request?.JobId?.Trim();
        if (string.IsNullOrEmpty(jobId))
        {
            return JobProblems.MissingField("job_id");
        }

        // The job's format is the one asked for at /upload/request; this one is checked (mp4 is the only one so far).
        if (OutputFormats.Normalize(request!.OutputFormat ?? OutputFormats.Mp4) is null)
        {
            return JobProblems.UnsupportedOutputFormat(request.OutputFormat);
        }

        var job = JobId.IsWellFormed(jobId)
            ? await services.Db.FindVisibleAsync(caller, jobId, cancellationToken)
            : null;
        if (job is null)
        {
            return JobProblems.UnknownJob(jobId);
        }

        using var jobContext = JobContext.Enter(services.Logger, job.Id, job.Attempts);
        var webhookUrl = request.WebhookUrl?.Trim();
        if (!string.IsNullOrEmpty(webhookUrl) && job.StartOnUpload)
        {
            // Its upload starts it, maybe before this call: whether the endpoint would hear of its first event is a race.
            return JobProblems.InvalidField("webhook_url",
                "This job starts when its upload lands, so its webhook_url belongs in POST /upload/request (or ask that request for start: \"submit\").");
        }

        if (!string.IsNullOrEmpty(webhookUrl) && (job.Status != JobStatus.AwaitingUpload || job.OwnerId is null))
        {
            // Its secret would go in an answer that was already given: a repeated submission cannot carry one.
            return JobProblems.WebhookTooLate(job.Id);
        }

        if (outputs is not null && OutputKinds.Join(outputs) != job.Outputs)
        {
            if (job.StartOnUpload)
            {
                return JobProblems.InvalidField("outputs",
                    "This job starts when its upload lands, so its outputs belong in POST /upload/request (or ask that request for start: \"submit\").");
            }

            if (job.Status != JobStatus.AwaitingUpload)
            {
                return JobProblems.OutputsFixed(job.Id);
            }
        }

        if (job.Status != JobStatus.AwaitingUpload)
        {
            return Answer(job);
        }

        if (!string.IsNullOrEmpty(webhookUrl) && await webhooks.RefusalAsync(webhookUrl, cancellationToken) is { } refused)
        {
            return refused;
        }

        // Storage's event said what it holds; without one (notifications off, or not here yet) storage is asked.
        var recorded = job.RecordedUpload;
        if ((recorded ?? await services.Storage.GetUploadAsync(job.InputKey, cancellationToken)) is not { } upload)
        {
            return JobProblems.NotUploaded(jobId);
        }

        // The message goes on in the job's trace (that of its upload request).
        using var submission = JobTrace.ContinueForSubmission(job);
        var now = services.Time.GetUtcNow();
        var decision = await acceptance.SubmitAsync(
            job.Id, upload, isFresh: recorded is null, JobTrace.Current(),
            // Its endpoint commits with the submission: the job's first event cannot miss it.
            string.IsNullOrEmpty(webhookUrl) ? null : (db, submitted) => webhooks.Add(db, submitted.OwnerId!, submitted.Id, webhookUrl, now),
            cancellationToken, outputs, read: job);
        return decision.Outcome switch
        {
            UploadOutcome.Submitted => Answer(decision.Job!, decision.WebhookSecret),
            UploadOutcome.Refused => decision.Problem!,
            UploadOutcome.NotUploaded => JobProblems.NotUploaded(jobId),
            // Another writer (storage's event, a second submit, a cancel) got there first: its outcome is the answer.
            _ when decision.Job is not { DeletedAt: null } => JobProblems.UnknownJob(jobId), // deleted meanwhile
            _ when !string.IsNullOrEmpty(webhookUrl) => JobProblems.WebhookTooLate(job.Id),
            _ when outputs is not null && OutputKinds.Join(outputs) != decision.Job.Outputs => JobProblems.OutputsFixed(job.Id),
            _ => Answer(decision.Job),
        };

        static Results<Accepted<SubmitJobResponse>, ProblemHttpResult> Answer(Job job, string? webhookSecret = null) =>
            job.Status is JobStatus.Failed or JobStatus.Expired or JobStatus.Canceled
                ? JobProblems.NotSubmittable(job.Id, job.Status, job.Error)
                : TypedResults.Accepted($"/jobs/{job.Id}", new SubmitJobResponse(job.Id, job.Status, webhookSecret));
    }

    public static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetJob(
        string jobId, ClaimsPrincipal caller, [AsParameters] JobServices services, CancellationToken cancellationToken)
    {
        var job = JobId.IsWellFormed(jobId)
            ? await services.Db.FindVisibleAsync(caller, jobId, cancellationToken)
            : null;
        return job is null
            ? JobProblems.UnknownJob(jobId)
            : TypedResults.Ok(await JobResponses.FromAsync(job, services));
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
            items.Add(await JobResponses.FromAsync(job, services));
        }

        return TypedResults.Ok(new JobPage(items, page, pageSize, total));
    }
}
