using Microsoft.AspNetCore.Http.HttpResults;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Api.Storage;

namespace VideoConversion.Api.Api;

/// <summary>RFC 7807 problems of multipart uploads.</summary>
internal static class MultipartProblems
{
    public static ProblemHttpResult NotMultipart(string jobId) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Not a multipart upload",
        detail: $"Job '{jobId}' uploads in one PUT to its presigned_url. Ask /upload/request for upload_type \"multipart\" (with size_bytes) to send parts.");

    public static ProblemHttpResult NotAwaitingUpload(string jobId) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "Upload over",
        detail: $"Job '{jobId}' no longer awaits its upload: it was completed, canceled or expired.");

    public static ProblemHttpResult NothingUploaded(string jobId) => TypedResults.Problem(
        statusCode: StatusCodes.Status409Conflict, title: "No parts uploaded",
        detail: $"Job '{jobId}' has no multipart upload in storage: ask POST /uploads/{jobId}/parts for part URLs and PUT the parts first.");

    /// <param name="why">What is wrong with the part, and what to do.</param>
    public static ProblemHttpResult BadPart(string jobId, int partNumber, string why) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Bad part",
        detail: $"Part {partNumber} of job '{jobId}' {why}.",
        extensions: new Dictionary<string, object?> { ["part_number"] = partNumber });

    public static ProblemHttpResult Refused(string jobId, StorageRefusedException refused) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest, title: "Upload not completed",
        detail: $"Storage refused to complete job '{jobId}''s upload: {refused.Code}{(refused.PartNumber is { } part ? $" (part {part})" : "")}. List the parts and send the missing ones again.",
        extensions: new Dictionary<string, object?> { ["part_number"] = refused.PartNumber });
}
