using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Outputs;

namespace VideoConversion.Api.Api;

/// <summary>RFC 7807 problems the API answers with. Each names what is wrong and, where it helps, what to do.</summary>
internal static class JobProblems
{
    public static ProblemHttpResult UnknownJob(string? jobId) => Problem(
        StatusCodes.Status404NotFound, "Unknown job", $"There is no job with id '{jobId}'.");

    public static ProblemHttpResult MissingField(string field) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Missing field", detail: $"The request body must contain '{field}'.",
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult InvalidField(string field, string detail) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: $"Invalid '{field}'", detail: detail,
        extensions: new Dictionary<string, object?> { ["field"] = field });

    public static ProblemHttpResult UnsupportedInputFormat(string fileName) => Problem(
        StatusCodes.Status400BadRequest, "Unsupported video format",
        $"'{fileName}' is not a supported video file. Supported extensions: {string.Join(", ", InputFormats.Supported)}.");

    public static ProblemHttpResult UploadTooLarge(long sizeBytes, long maxFileBytes)
    {
        var problem = Problem(StatusCodes.Status413PayloadTooLarge, "Upload too large",
            string.Create(CultureInfo.InvariantCulture, $"The file is {sizeBytes:N0} bytes; the largest upload accepted is {maxFileBytes:N0} bytes."));
        problem.ProblemDetails.Extensions["max_file_bytes"] = maxFileBytes;
        return problem;
    }

    public static ProblemHttpResult SizeMismatch(string jobId, long declared, long stored) => Problem(
        StatusCodes.Status409Conflict, "Upload size mismatch",
        string.Create(CultureInfo.InvariantCulture,
            $"Job '{jobId}' declared {declared:N0} bytes but {stored:N0} bytes were stored, so the upload was removed. PUT the declared file again."));

    public static ProblemHttpResult UnsupportedOutputFormat(string? format) => Problem(
        StatusCodes.Status400BadRequest, "Unsupported output format",
        $"Output format '{format}' is not supported. Supported: {string.Join(", ", OutputFormats.Supported)}.");

    /// <param name="unknown">The output named that is not one; null when the list named none.</param>
    public static ProblemHttpResult UnknownOutput(string? unknown)
    {
        var allowed = string.Join(", ", OutputKinds.Supported.Select(kind => $"'{kind}'"));
        var problem = TypedResults.Problem(
            statusCode: StatusCodes.Status400BadRequest,
            title: unknown is null ? "No outputs" : "Unknown output",
            detail: unknown is null
                ? $"'outputs' names nothing to make. Name one or more of {allowed}, or leave it out for the MP4."
                : $"'{unknown}' is not an output. Allowed: {allowed}.",
            extensions: new Dictionary<string, object?> { ["field"] = "outputs", ["allowed"] = OutputKinds.Supported });
        return problem;
    }

    public static ProblemHttpResult OutputsFixed(string jobId) => Problem(
        StatusCodes.Status409Conflict, "Outputs already chosen",
        $"Job '{jobId}' was submitted with other outputs, which its conversion is making. Request a new upload for other outputs.");

    public static ProblemHttpResult NotUploaded(string jobId) => Problem(
        StatusCodes.Status409Conflict, "Video not uploaded",
        $"Job '{jobId}' has no uploaded video yet. PUT the file to the presigned URL first, then submit the job.");

    /// <param name="error">Why it failed, when it did (a job started by its upload may have failed before the call).</param>
    public static ProblemHttpResult NotSubmittable(string jobId, JobStatus status, string? error = null) => Problem(
        StatusCodes.Status409Conflict, "Job cannot be submitted",
        status switch
        {
            JobStatus.Expired => $"Job '{jobId}' has expired and cannot be submitted. Request a new upload to try again.",
            JobStatus.Canceled => $"Job '{jobId}' was canceled. Retry it (POST /jobs/{jobId}/retry) or request a new upload.",
            _ when error is not null => $"Job '{jobId}' has failed: {error} It cannot be submitted again; retry it (POST /jobs/{jobId}/retry) or request a new upload.",
            _ => $"Job '{jobId}' has failed and cannot be submitted again. Retry it (POST /jobs/{jobId}/retry) or request a new upload.",
        });

    public static ProblemHttpResult WebhookTooLate(string jobId) => Problem(
        StatusCodes.Status409Conflict, "Webhook URL too late",
        $"Job '{jobId}' was submitted already; a webhook_url goes with its first submission (or /upload/request). Register an endpoint at POST /webhooks instead.");

    public static ProblemHttpResult NotCancelable(string jobId, JobStatus status) => Problem(
        StatusCodes.Status409Conflict, "Job cannot be canceled",
        $"Job '{jobId}' is {ApiJson.StatusName(status)} already: only a job awaiting its upload, pending or processing can be canceled.");

    public static ProblemHttpResult NotRetryable(string jobId, JobStatus status) => Problem(
        StatusCodes.Status409Conflict, "Job cannot be retried",
        $"Job '{jobId}' is {ApiJson.StatusName(status)}: only a FAILED or CANCELED job can be retried.");

    public static ProblemHttpResult InputGone(string jobId) => Problem(
        StatusCodes.Status409Conflict, "Input no longer stored",
        $"Job '{jobId}' cannot be retried: its video was never uploaded, or retention has removed it. Request a new upload to try again.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
