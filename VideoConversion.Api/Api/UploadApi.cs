using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.RateLimits;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Uploads;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Infrastructure.Telemetry;

namespace VideoConversion.Api.Api;

public static partial class UploadApi
{
    public static IEndpointRouteBuilder MapUploadApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/upload/request", RequestUpload)
            .RequireAuthorization()
            .RequireRateLimiting(RateLimitServiceExtensions.PerCaller)
            .WithName(nameof(RequestUpload))
            .WithTags("Uploads")
            .WithSummary("Create a job and get a presigned URL to PUT the video to")
            .WithDescription("The video goes straight to object storage; no video bytes pass through the API. " +
                "By default (start: \"upload\") the job starts the moment the upload lands; with start: \"submit\" it waits for POST /jobs. " +
                "Give size_bytes and the URL accepts exactly that many bytes; a size over the limit is refused with 413.");
        app.MapGet("/upload/limits", GetUploadLimits)
            .RequireAuthorization()
            .RequireRateLimiting(RateLimitServiceExtensions.PerCaller)
            .WithName(nameof(GetUploadLimits))
            .WithTags("Uploads")
            .WithSummary("The largest upload accepted and the accepted file extensions");
        return app;
    }

    public static Ok<UploadLimits> GetUploadLimits(IOptions<UploadOptions> options) =>
        TypedResults.Ok(new UploadLimits(options.Value.MaxFileBytes, InputFormats.Supported));

    public static async Task<Results<Created<UploadResponse>, ProblemHttpResult>> RequestUpload(
        UploadRequest? request, ClaimsPrincipal caller, [AsParameters] JobServices services,
        IOptions<QuotaOptions> quotas, JobWebhooks webhooks, DatabaseWriter writer, CancellationToken cancellationToken)
    {
        var fileName = request?.Filename?.Trim();
        if (string.IsNullOrEmpty(fileName))
        {
            return JobProblems.MissingField("filename");
        }

        if (fileName.Length > JobLimits.FileNameLength)
        {
            return JobProblems.InvalidField("filename", $"The file name is longer than {JobLimits.FileNameLength} characters.");
        }

        if (InputFormats.ExtensionOf(fileName) is not { } extension)
        {
            return JobProblems.UnsupportedInputFormat(fileName);
        }

        // Advisory only (see InputFormats): kept for display, bounded like every stored text.
        var contentType = request?.ContentType?.Trim();
        if (contentType is { Length: > JobLimits.ContentTypeLength })
        {
            return JobProblems.InvalidField("content_type", $"The content type is longer than {JobLimits.ContentTypeLength} characters.");
        }

        var sizeBytes = request?.SizeBytes;
        if (sizeBytes is <= 0)
        {
            return JobProblems.InvalidField("size_bytes", "The size must be the file's size in bytes, and an empty file is not a video.");
        }

        if (sizeBytes > services.Uploads.Value.MaxFileBytes)
        {
            return JobProblems.UploadTooLarge(sizeBytes.Value, services.Uploads.Value.MaxFileBytes);
        }

        if (UploadStart.StartsOnUpload(request?.Start) is not { } startOnUpload)
        {
            return JobProblems.InvalidField("start", $"'{request?.Start}' is not a way to start: use {string.Join(" or ", UploadStart.Supported.Select(way => $"'{way}'"))}.");
        }

        if (OutputFormats.Normalize(request?.OutputFormat ?? OutputFormats.Mp4) is not { } outputFormat)
        {
            return JobProblems.UnsupportedOutputFormat(request?.OutputFormat);
        }

        if (OutputKinds.Normalize(request?.Outputs, out var unknownOutput) is not { } outputs)
        {
            return JobProblems.UnknownOutput(unknownOutput);
        }

        var uploads = services.Uploads.Value;
        var multipart = request?.UploadType?.Trim() switch
        {
            null or "" => sizeBytes >= uploads.MultipartThreshold,
            UploadTypes.Multipart => true,
            UploadTypes.OnePut => false,
            _ => (bool?)null,
        };
        if (multipart is null)
        {
            return JobProblems.InvalidField("upload_type", $"'{request?.UploadType}' is not an upload type: use '{UploadTypes.OnePut}' or '{UploadTypes.Multipart}'.");
        }

        if (multipart == true && sizeBytes is null)
        {
            return JobProblems.InvalidField("size_bytes", "A multipart upload is cut into parts by the file's size: give size_bytes.");
        }

        if (sizeBytes > UploadOptions.MaxSinglePutBytes && multipart == false)
        {
            return JobProblems.InvalidField("upload_type", "A file over 5 GiB cannot go in one PUT (storage refuses it): upload it in parts (upload_type \"multipart\").");
        }

        multipart |= sizeBytes > UploadOptions.MaxSinglePutBytes;
        var partSize = multipart == true ? uploads.PartSizeFor(sizeBytes!.Value) : (long?)null;

        var webhookUrl = request?.WebhookUrl?.Trim();
        if (!string.IsNullOrEmpty(webhookUrl) && await webhooks.RefusalAsync(webhookUrl, cancellationToken) is { } refused)
        {
            return refused;
        }

        var jobId = JobId.New();
        var inputKey = StorageNames.InputKey(jobId, extension);
        var now = services.Time.GetUtcNow();
        // A multipart upload up to 5 GiB may still go in one PUT, as before it could go in parts.
        var upload = sizeBytes > UploadOptions.MaxSinglePutBytes
            ? (Url: (string?)null, ExpiresAt: now + uploads.UploadUrlLifetime)
            : await services.Storage.PresignUploadAsync(inputKey, now, sizeBytes) is var single ? (Url: single.Url, single.ExpiresAt) : default;

        using var jobContext = JobContext.Enter(services.Logger, jobId, attempt: 0);
        var owner = caller.AccountId();
        var job = Job.Create(
            jobId, fileName, contentType, inputKey, now, upload.ExpiresAt, JobTrace.Current(), sizeBytes, owner, caller.CallingApiKeyId(),
            startOnUpload, outputFormat, outputs, partSize);
        // The quota check and the new job commit as one step, in the database writer's batch: requests arriving together
        // cannot all pass a quota that has room for one of them.
        // On PostgreSQL the row's statement goes ahead, with the locks of the account's group (DatabaseWriter).
        var (refusal, webhookSecret) = await writer.WriteAsync<(ProblemHttpResult?, string?)>(
            new WriteLocks(owner), db => JobCreation.StatementAhead(db, job, quotas.Value), async (db, wroteAhead, cancellation) =>
        {
            if (await JobCreation.WriteAsync(db, job, quotas.Value, cancellation, wroteAhead) is { } overQuota)
            {
                return (overQuota, null);
            }

            if (string.IsNullOrEmpty(webhookUrl))
            {
                return (null, null);
            }

            // The job and its endpoint commit together: no event of the job can miss it.
            var secret = webhooks.Add(db, owner, jobId, webhookUrl, now);
            await db.SaveChangesAsync(cancellation);
            return (null, secret);
        }, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        LogUploadRequested(services.Logger, jobId, fileName);
        return TypedResults.Created($"/jobs/{jobId}", new UploadResponse(
            jobId, upload.Url, upload.ExpiresAt, webhookSecret, startOnUpload ? UploadStart.OnUpload : UploadStart.OnSubmit,
            partSize is null ? UploadTypes.OnePut : UploadTypes.Multipart, partSize, job.PartCount));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} created for {FileName}; waiting for its upload")]
    private static partial void LogUploadRequested(ILogger logger, string jobId, string fileName);
}
