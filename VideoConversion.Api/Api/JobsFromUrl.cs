using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Outbound;

namespace VideoConversion.Api.Api;

/// <summary>
/// POST /jobs with <c>input_url</c>: a video that already sits at an address becomes a job without an
/// upload. The address is checked here under the outbound rules (and again by the worker at each
/// connection and redirect); the worker fetches it within the size limit and converts it like an upload.
/// </summary>
public static partial class JobsFromUrl
{
    public static async Task<Results<Accepted<SubmitJobResponse>, ProblemHttpResult>> CreateAsync(
        SubmitJobRequest request, string outputFormat, IReadOnlyList<string> outputs, ClaimsPrincipal caller, JobServices services,
        QuotaOptions quotas, JobWebhooks webhooks, OutboundTargets targets, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(request.JobId))
        {
            return JobProblems.InvalidField("input_url", "Give either job_id (an uploaded video) or input_url (a video at an address), not both.");
        }

        var inputUrl = request.InputUrl!.Trim();
        if (inputUrl.Length > WebhookLimits.UrlLength)
        {
            return JobProblems.InvalidField("input_url", $"The URL is longer than {WebhookLimits.UrlLength} characters.");
        }

        Uri address;
        try
        {
            address = await targets.CheckAsync(inputUrl, cancellationToken);
        }
        catch (OutboundTargetRefusedException refused)
        {
            return JobProblems.InvalidField("input_url", refused.Message);
        }

        var fileName = string.IsNullOrWhiteSpace(request.Filename) ? NameIn(address) : request.Filename.Trim();
        if (fileName.Length > JobLimits.FileNameLength)
        {
            return JobProblems.InvalidField("filename", $"The file name is longer than {JobLimits.FileNameLength} characters.");
        }

        var webhookUrl = request.WebhookUrl?.Trim();
        if (!string.IsNullOrEmpty(webhookUrl) && await webhooks.RefusalAsync(webhookUrl, cancellationToken) is { } webhookRefused)
        {
            return webhookRefused;
        }

        var jobId = JobId.New();
        // The fetched file gets the address's extension when it is one of ours, as an upload's name would; FFmpeg decides anyway.
        var inputKey = StorageNames.InputKey(jobId, InputFormats.ExtensionOf(address.AbsolutePath) ?? "");
        var now = services.Time.GetUtcNow();
        var owner = caller.AccountId();
        string? webhookSecret;
        Job job;
        await using (var step = await AccountWriteStep.BeginAsync(services.Db, owner, cancellationToken))
        {
            var usage = await AccountUsage.OfAsync(services.Db, owner, cancellationToken);
            if (usage.ActiveJobs >= quotas.MaxActiveJobs)
            {
                return QuotaProblems.TooManyActiveJobs(usage.ActiveJobs, quotas.MaxActiveJobs);
            }

            // Its input is not kept in storage, but its output will be.
            if (usage.StoredBytes >= quotas.MaxStoredBytes)
            {
                return QuotaProblems.StorageQuotaFull(usage.StoredBytes, quotas.MaxStoredBytes);
            }

            // The job's trace is this request's, as an upload's is its /upload/request.
            job = Job.CreateFromUrl(jobId, fileName, inputKey, address.AbsoluteUri, now, JobTrace.Current(), owner, caller.CallingApiKeyId(), outputs);
            services.Db.Jobs.Add(job);
            services.Db.Outbox.Add(JobQueueing.Message(job, outputFormat, now, JobTrace.Current(), services.Uploads.Value.MaxFileBytes));
            webhookSecret = string.IsNullOrEmpty(webhookUrl) ? null : webhooks.Add(services.Db, owner, jobId, webhookUrl, now);
            await step.SaveAsync(services.Db, cancellationToken);
        }

        services.Outbox.Notify();
        services.Metrics.Submitted();
        LogCreated(services.Logger, jobId, address.Host);
        return TypedResults.Accepted($"/jobs/{jobId}", new SubmitJobResponse(jobId, job.Status, webhookSecret));
    }

    /// <summary>The address's last segment, as a person would name the file; "video" when it has none.</summary>
    private static string NameIn(Uri address)
    {
        var last = Uri.UnescapeDataString(address.AbsolutePath.TrimEnd('/').Split('/')[^1]);
        return string.IsNullOrWhiteSpace(last) ? "video" : last[..Math.Min(last.Length, JobLimits.FileNameLength)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} created from a video at {Host}; queued through the outbox")]
    private static partial void LogCreated(ILogger logger, string jobId, string host);
}
